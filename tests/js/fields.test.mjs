// The page's field layout (web/js/fields.js) against the core's request field
// table, read from the wasm catalogue: every form field is a core field with
// bounds or options, and every request enum value shows a human label.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {loadEngine} from '../../web/js/engine.js';
import {applies, defaultState, FIELDS, fieldLabel, optionsFor} from '../../web/js/fields.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let catalog;
before(async () => {
  const engine = await loadEngine({
    wasmBinary: readFileSync(path.join(root, 'web/gen/vramfit.wasm')),
  });
  catalog = engine.catalog({presetCounts: false});
});

const requestFields = () => FIELDS.filter((f) => f.group !== 'model');
const corePaths = () => new Map(catalog.fields.map((f) => [f.path, f]));

test('every FIELDS request field is in the core table, with limits or options', () => {
  const core = corePaths();
  for (const f of requestFields()) {
    assert.ok(core.has(f.name), `${f.name} is not a core request field`);
    if (f.kind === 'int' || f.kind === 'number') {
      const l = catalog.limits[f.name];
      assert.ok(l && Number.isFinite(l.min) && Number.isFinite(l.max), `${f.name}: catalog.limits`);
      assert.equal(l.integer, f.kind === 'int', `${f.name}: int on the page = integer in the core`);
    }
    if (f.kind === 'enum') assert.ok(optionsFor(f, catalog)?.length > 0, `${f.name}: options`);
  }
});

test('the page shows every core request field but those it leaves to the CLI', () => {
  const shown = new Set(requestFields().map((f) => f.name));
  const cliOnly = ['strategies']; // a second table of layouts; the page has none
  for (const f of catalog.fields) {
    if (f.part_of || cliOnly.includes(f.path)) continue;
    assert.ok(shown.has(f.path), `${f.path} has no control on the page`);
  }
});

test('request enum options carry the core labels, never a bare id', () => {
  const core = corePaths();
  for (const f of requestFields()) {
    const values = core.get(f.name)?.values;
    if (!values) continue;
    const opts = optionsFor(f, catalog);
    assert.deepEqual(
      opts.map((o) => o.value),
      values.map((v) => v.id),
      f.name,
    );
    for (const [i, o] of opts.entries()) {
      assert.equal(o.label, values[i].label, `${f.name}=${o.value}`);
      assert.notEqual(o.label, o.value, `${f.name}=${o.value}: a label, not the id`);
    }
  }
  assert.equal(
    optionsFor(
      FIELDS.find((f) => f.name === 'task'),
      catalog,
    ).find((o) => o.value === 'qlora').label,
    'QLoRA (4-bit base)',
  );
});

test('labels come from the core; defaults from catalog.defaults', () => {
  for (const f of requestFields()) assert.notEqual(fieldLabel(f, catalog), f.name, f.name);
  const d = defaultState(catalog);
  assert.equal(d.batch_size, '1');
  assert.equal(d.seq_len, '2048');
  // Fields a training stack sets (core/data/stacks.json) have no one default:
  // the form leaves them unset so that the stack's value applies.
  assert.equal(d['lora.dtype'], undefined);
  assert.equal(d.optimizer, undefined);
  assert.equal(d.gradient_checkpointing, undefined);
  assert.match(catalog.fields.find((f) => f.path === 'optimizer').derived, /stack/);
  assert.equal(d.gpu_memory_utilization, '0.9');
});

// Which fields the form shows and the request carries follow the core's
// fields[].tasks / engines: e.g. LoRA rows for adapter tasks only,
// vLLM's budget for inference with vLLM only.
test('a field applies where the core table says, and nowhere else', () => {
  const byName = new Map(FIELDS.map((f) => [f.name, f]));
  const shown = (name, state) => applies(byName.get(name), state, catalog);
  assert.equal(shown('lora.rank', {task: 'qlora'}), true);
  assert.equal(shown('lora.rank', {task: 'full'}), false);
  assert.equal(shown('lora.rank', {}), false, 'default task: inference');
  assert.equal(shown('optimizer', {task: 'full'}), true);
  assert.equal(shown('optimizer', {task: 'inference'}), false);
  assert.equal(shown('engine', {task: 'inference'}), true);
  assert.equal(shown('engine', {task: 'lora'}), false);
  assert.equal(shown('gpu_memory_utilization', {task: 'inference', engine: 'vllm'}), true);
  assert.equal(shown('gpu_memory_utilization', {task: 'inference', engine: 'hf'}), false);
  assert.equal(shown('gpu_memory_utilization', {task: 'lora', engine: 'vllm'}), false);
  assert.equal(shown('parallel.zero', {task: 'inference'}), false);
  assert.equal(shown('parallel.tp', {task: 'inference'}), true);
});
