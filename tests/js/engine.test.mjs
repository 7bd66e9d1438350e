// The wasm module in Node through web/js/engine.js (the same files the page
// serves: web/gen/vramfit.{mjs,wasm}). Golden parity with the native tests:
// every tests/fixtures/cases/*.json is replayed here.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {EstimatorError, loadEngine} from '../../web/js/engine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const casesDir = path.join(root, 'tests/fixtures/cases');
const VERDICTS = new Set(['fits', 'tight', 'no']);
let engine;
let catalog;

before(async () => {
  engine = await loadEngine({wasmBinary: readFileSync(path.join(root, 'web/gen/vramfit.wasm'))});
  catalog = engine.catalog();
});

const presetIds = () => (catalog.presets ?? []).map((p) => String(p.id ?? p));
const firstPreset = () => presetIds()[0];

/** Invariants every successful response must satisfy. */
function checkResponse(r, label) {
  assert.equal(r.schema_version, 2, label);
  assert.equal(typeof r.vramfit_version, 'string', `${label}: vramfit_version`);
  assert.equal(typeof r.request, 'object', `${label}: request echo`);
  assert.equal(typeof r.weights_format?.dtype, 'string', `${label}: weights_format`);
  assert.ok(Array.isArray(r.components) && r.components.length > 0, `${label}: components`);
  for (const c of r.components) {
    assert.equal(typeof c.id, 'string', `${label}: component id`);
    assert.equal(typeof c.label, 'string', `${label}: ${c.id} label`);
    assert.ok(Number.isFinite(c.bytes) && c.bytes >= 0, `${label}: ${c.id} bytes ${c.bytes}`);
    assert.equal(typeof c.in_peak, 'boolean', `${label}: ${c.id} in_peak`);
    assert.equal(typeof c.runtime, 'boolean', `${label}: ${c.id} runtime`);
    assert.equal(typeof c.uncertainty, 'number', `${label}: ${c.id} uncertainty`);
    assert.equal(typeof c.formula, 'string', `${label}: ${c.id} formula`);
    assert.equal(typeof c.inputs, 'object', `${label}: ${c.id} inputs`);
  }
  const ids = r.components.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length, `${label}: component ids unique`);
  // The page stacks the in-peak components: they must add up to the total.
  const stacked = r.components.filter((c) => c.in_peak).reduce((s, c) => s + c.bytes, 0);
  assert.ok(
    Math.abs(stacked - r.total_bytes) <= 2,
    `${label}: in-peak sum ${stacked} vs total ${r.total_bytes}`,
  );
  assert.ok(r.total_bytes > 0, `${label}: total_bytes`);
  assert.ok(
    r.peak_allocated_bytes <= r.reserved_bytes && r.reserved_bytes <= r.total_bytes,
    `${label}: peak <= reserved <= total`,
  );
  assert.ok(
    r.range.low_bytes <= r.total_bytes && r.total_bytes <= r.range.high_bytes,
    `${label}: low <= total <= high`,
  );
  assert.ok(
    r.phases.some((p) => p.id === r.peak_phase),
    `${label}: peak_phase is a phase`,
  );
  for (const g of r.gpus) {
    assert.ok(VERDICTS.has(g.verdict), `${label}: verdict ${g.verdict}`);
    assert.ok(g.memory_bytes > 0, `${label}: ${g.id} memory`);
    for (const k of [
      'usable_bytes',
      'need_bytes',
      'headroom_bytes',
      'max_batch_size',
      'max_seq_len',
    ]) {
      assert.equal(typeof g[k], 'number', `${label}: ${g.id}.${k}`);
    }
  }
  for (const rec of r.recommend ?? []) {
    assert.equal(typeof rec.change, 'object', `${label}: recommend.change`);
    assert.ok(Object.keys(rec.change).length > 0, `${label}: recommend.change sets a field`);
    assert.equal(typeof rec.label, 'string', `${label}: recommend.label`);
    assert.ok(VERDICTS.has(rec.verdict), `${label}: recommend.verdict`);
  }
  for (const w of r.warnings) assert.equal(typeof w.message, 'string', `${label}: warning message`);
}

test('version and catalogue', () => {
  assert.match(engine.version, /^\d+\.\d+\.\d+/);
  for (const key of ['presets', 'gpus', 'dtypes']) {
    assert.ok(Array.isArray(catalog[key]), `catalog.${key} is an array`);
  }
  assert.notEqual(engine.catalog(), engine.catalog(), 'a fresh copy per call');
});

test('the wasm catalogue carries core/data/gpus.json and dtypes.json', () => {
  for (const [file, key] of [
    ['gpus.json', 'gpus'],
    ['dtypes.json', 'dtypes'],
  ]) {
    const data = JSON.parse(readFileSync(path.join(root, 'core/data', file), 'utf8'))[key];
    assert.deepEqual(
      catalog[key].map((x) => x.id),
      data.map((x) => x.id),
      `${key}: same ids, same order`,
    );
    data.forEach((rec, i) => {
      for (const [k, v] of Object.entries(rec)) {
        if (k in catalog[key][i]) assert.deepEqual(catalog[key][i][k], v, `${key}[${rec.id}].${k}`);
      }
    });
  }
});

test('every preset estimates with the default settings', () => {
  const ids = presetIds();
  assert.ok(ids.length > 0, 'the catalogue lists presets');
  for (const id of ids) checkResponse(engine.estimate({model: {preset: id}}), id);
});

test('every task estimates for the first preset', (t) => {
  const tasks = catalog.enums?.task ?? ['inference', 'full', 'lora', 'qlora', 'dora', 'qdora'];
  if (!firstPreset()) return t.skip('no presets yet');
  for (const task of tasks) {
    const id = String(task.id ?? task);
    checkResponse(engine.estimate({model: {preset: firstPreset()}, task: id}), id);
  }
});

test('bigger batch and longer context never need less memory', (t) => {
  if (!firstPreset()) return t.skip('no presets yet');
  const at = (batch, seq) =>
    engine.estimate({model: {preset: firstPreset()}, batch_size: batch, seq_len: seq}).total_bytes;
  assert.ok(at(8, 4096) > at(1, 4096), 'batch 8 > batch 1');
  assert.ok(at(1, 32768) > at(1, 1024), '32k > 1k tokens');
});

test('error responses become EstimatorError with code and field', () => {
  const cases = [
    ['{not json', 'invalid_json'],
    [{}, null],
    [{model: {preset: 'no/such-model-xyz'}}, 'unknown_preset'],
    [{model: {preset: firstPreset() ?? 'x'}, batch_size: 0}, null],
    [{model: {preset: firstPreset() ?? 'x'}, task: 'dance'}, null],
  ];
  for (const [request, code] of cases) {
    assert.throws(
      () => engine.estimate(request),
      (e) => {
        assert.ok(e instanceof EstimatorError, `${JSON.stringify(request)}: ${e}`);
        assert.equal(e.name, 'EstimatorError');
        assert.equal(typeof e.code, 'string');
        assert.equal(typeof e.field, 'string');
        assert.ok(e.message.length > 0);
        if (code) assert.equal(e.code, code, JSON.stringify(request));
        return true;
      },
    );
  }
});

test('the module stays usable after many errors', (t) => {
  if (!firstPreset()) return t.skip('no presets yet');
  const good = engine.estimate({model: {preset: firstPreset()}}).total_bytes;
  for (let i = 0; i < 2000; i += 1) {
    assert.throws(
      () => engine.estimate(i % 2 ? '{"model":' : {model: {config: {hidden_size: 'x'}}}),
      EstimatorError,
    );
  }
  assert.equal(engine.estimate({model: {preset: firstPreset()}}).total_bytes, good);
});

test('markup in a config comes back as plain JSON strings', () => {
  const config = {
    model_type: 'llama',
    architectures: ['<img src=x onerror=alert(1)>'],
    hidden_size: 256,
    intermediate_size: 512,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 4,
    vocab_size: 1000,
    max_position_embeddings: 2048,
  };
  try {
    const r = engine.estimate({model: {config, id: '<script>alert(1)</script>'}});
    checkResponse(r, 'markup config');
    if (r.model?.id !== undefined) assert.equal(r.model.id, '<script>alert(1)</script>');
  } catch (e) {
    assert.ok(e instanceof EstimatorError, String(e));
  }
});

// Golden cases (tests/fixtures/cases/README.md, the files golden_test.cpp
// uses): NAME.json is {"name", "request"}, NAME.expected.json the native
// answer. Parity means exact JSON equality, as in the native test.
const caseFiles = existsSync(casesDir)
  ? readdirSync(casesDir)
      .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
      .sort()
  : [];
test(`golden cases replayed through wasm (${caseFiles.length} requests)`, async (t) => {
  if (!caseFiles.length) return t.skip('tests/fixtures/cases/ has no cases yet');
  for (const file of caseFiles) {
    await t.test(file, () => {
      const c = JSON.parse(readFileSync(path.join(casesDir, file), 'utf8'));
      const requestText = JSON.stringify(c.request ?? c);
      const expectedPath = path.join(casesDir, file.replace(/\.json$/, '.expected.json'));
      assert.ok(existsSync(expectedPath), `${file} has no .expected.json`);
      const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
      if (expected.error) {
        assert.throws(
          () => engine.estimate(requestText),
          (e) => {
            assert.ok(e instanceof EstimatorError, String(e));
            assert.deepEqual({code: e.code, field: e.field, message: e.message}, expected.error);
            return true;
          },
        );
        return;
      }
      const r = engine.estimate(requestText);
      checkResponse(r, file);
      assert.deepEqual(r, expected, `${file}: wasm differs from native`);
    });
  }
});

// Live parity, independent of how fresh the goldens are: with VRAMFIT_CLI set
// to a native build of the same tree, each case request is run through
// `vramfit estimate --request F --json` and must equal the wasm answer.
const cli = process.env.VRAMFIT_CLI;
test(
  'native CLI and wasm agree on every case request',
  {skip: !cli && 'set VRAMFIT_CLI=<build>/vramfit to run'},
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vramfit-parity-'));
    for (const file of caseFiles) {
      const c = JSON.parse(readFileSync(path.join(casesDir, file), 'utf8'));
      const reqPath = path.join(dir, file);
      writeFileSync(reqPath, JSON.stringify(c.request ?? c));
      let out;
      try {
        out = execFileSync(cli, ['estimate', '--request', reqPath, '--json'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch (e) {
        out = e.stdout;
      }
      const native = JSON.parse(out);
      let wasm;
      try {
        wasm = engine.estimate(c.request ?? c);
      } catch (e) {
        wasm = {error: {code: e.code, field: e.field, message: e.message}, schema_version: 2};
      }
      assert.deepEqual(wasm, native, `${file}: wasm differs from the native CLI`);
    }
  },
);

test('lazy presets: the default preset answers at once, the others after loadPresets()', async () => {
  // A second instance: the module embeds only the default preset's config.
  const lazy = await loadEngine({
    wasmBinary: readFileSync(path.join(root, 'web/gen/vramfit.wasm')),
    presets: 'lazy',
  });
  const other = presetIds().find((id) => id !== 'meta-llama/Llama-3.1-8B');
  assert.equal(lazy.presetLoaded('meta-llama/Llama-3.1-8B'), true);
  assert.ok(lazy.estimate({model: {preset: 'meta-llama/Llama-3.1-8B'}}).total_bytes > 0);
  assert.equal(lazy.presetLoaded(other), false);
  assert.throws(() => lazy.estimate({model: {preset: other}}), {code: 'unknown_preset'});
  await lazy.loadPresets();
  assert.equal(lazy.presetLoaded(other), true);
  assert.ok(lazy.estimate({model: {preset: other}}).total_bytes > 0);
});

// The core has no exceptions (core/README.md "Errors"): a bug aborts the
// module, which cannot be called again. A stand-in factory whose first module
// aborts on its first estimate (as Emscripten's abort() throws a
// RuntimeError "Aborted(...)") checks what engine.js does then: that call
// gets an internal EstimatorError, calls while the new module starts get one
// too, and the new module answers with the presets' configs handed to it.
test('an aborted module is replaced by a new one, with the presets handed over', async () => {
  const made = [];
  const factory = async () => {
    const m = {
      added: [],
      calls: 0,
      version: () => 'stand-in',
      presetLoaded: () => true,
      addDataJson(text) {
        this.added.push(text);
        return '{"schema_version": 2, "added": 1}';
      },
      estimateJson(text) {
        this.calls += 1;
        if (made.length === 1) throw new WebAssembly.RuntimeError('Aborted(internal error)');
        return JSON.stringify({echo: JSON.parse(text)});
      },
    };
    made.push(m);
    return m;
  };
  const stand = await loadEngine({factory, presets: 'lazy', wasmBinary: new Uint8Array(0)});
  globalThis.__vramfitEmbedded = {presets: () => '{"presets/x.json": "{}"}'};
  try {
    await stand.loadPresets();
  } finally {
    delete globalThis.__vramfitEmbedded;
  }
  assert.deepEqual(made[0].added, ['{"presets/x.json": "{}"}']);
  const first = (() => {
    try {
      stand.estimate({a: 1});
    } catch (e) {
      return e;
    }
  })();
  assert.ok(first instanceof EstimatorError, 'the aborted call is an EstimatorError');
  assert.equal(first.code, 'internal');
  assert.match(first.message, /Aborted\(internal error\).*restarts/);
  // Before the new module is up: an internal error, no call into the dead one.
  assert.throws(
    () => stand.estimate({a: 2}),
    (e) => e.code === 'internal' && /restarting/.test(e.message),
  );
  assert.equal(made[0].calls, 1);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(made.length, 2, 'a second module was made');
  assert.deepEqual(made[1].added, ['{"presets/x.json": "{}"}'], "the presets' configs handed over");
  assert.deepEqual(stand.estimate({a: 3}), {echo: {a: 3}});
});
