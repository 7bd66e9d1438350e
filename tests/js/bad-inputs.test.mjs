// The bad-input catalogue (tests/fixtures/bad/catalogue.json) replayed
// through the wasm module, as tests/bad_inputs_test.cpp does natively: each
// entry must answer its expected error code and field (or succeed), quickly,
// and a success must hold no NaN (null) and no negative byte count. Raw
// bytes (invalid UTF-8) cross embind as a Uint8Array. Skipped with a message
// when the wasm build (web/gen/vramfit.{mjs,wasm}) is absent.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {before, test} from 'node:test';

import {built, loadModule, root, SKIP} from './wasm-build.mjs';

const catalogue = JSON.parse(
  readFileSync(path.join(root, 'tests/fixtures/bad/catalogue.json'), 'utf8'),
);
const CODES = new Set([
  'invalid_json',
  'invalid_request',
  'missing_field',
  'wrong_type',
  'out_of_range',
  'inconsistent',
  'unknown_value',
  'unknown_preset',
  'unsupported_model',
  'too_large',
]);
const MAX_MS = 10000; // a hang is minutes; the slowest entry takes well under a second
let mod;

before(async () => {
  if (!built) return;
  mod = await loadModule();
});

/** The request of an entry: a string, or a Uint8Array for raw bytes. */
function entryInput(e) {
  if ('request_bytes' in e) return new Uint8Array(Buffer.from(e.request_bytes, 'latin1'));
  if ('generate' in e) {
    const g = e.generate;
    if (g.kind === 'pad') {
      const head = '{"model": {"preset": "Qwen/Qwen3-0.6B"}, "pad": "';
      return head + 'x'.repeat(g.bytes - head.length - 2) + '"}';
    }
    if (g.kind === 'splice') return g.text.replace('@@', g.item.repeat(g.count) + g.last);
    if (g.kind === 'nest_array') return '['.repeat(g.depth) + ']'.repeat(g.depth);
    if (g.kind === 'nest_object') return '{"a":'.repeat(g.depth) + '1' + '}'.repeat(g.depth);
    if (g.kind === 'nest_config') {
      return '{"model": {"config": ' + '{"a":'.repeat(g.depth) + '1' + '}'.repeat(g.depth) + '}}';
    }
    throw new Error(`unknown generator ${g.kind}`);
  }
  return typeof e.request === 'string' ? e.request : JSON.stringify(e.request);
}

/** First problem in a success response: null (NaN), negative or fractional bytes. */
function problem(v, where = '') {
  if (v === null) return `null (NaN or inf) at ${where}`;
  if (typeof v === 'number' && !Number.isFinite(v)) return `non-finite at ${where}`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = problem(v[i], `${where}[${i}]`);
      if (p) return p;
    }
  } else if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'bytes' || k.endsWith('_bytes')) && typeof x === 'number') {
        if (!Number.isInteger(x)) return `fractional ${where}.${k} = ${x}`;
        if (x < 0 && k !== 'headroom_bytes') return `negative ${where}.${k} = ${x}`;
      }
      const p = problem(x, `${where}.${k}`);
      if (p) return p;
    }
  }
  return '';
}

test('the catalogue has at least 70 entries', () => {
  assert.ok(catalogue.entries.length >= 70, `${catalogue.entries.length} entries`);
});

test(
  'every catalogue entry answers its expected code and field in the wasm module',
  {skip: SKIP},
  () => {
    // Mismatches are collected so that one run lists all of them.
    const wrong = [];
    let errors = 0;
    for (const e of catalogue.entries) {
      const t0 = performance.now();
      const text = mod.estimateJson(entryInput(e));
      const ms = performance.now() - t0;
      if (ms > MAX_MS) wrong.push(`${e.name}: took ${ms.toFixed(0)} ms`);
      let r;
      try {
        r = JSON.parse(text);
      } catch (err) {
        wrong.push(`${e.name}: response is not JSON (${err.message})`);
        continue;
      }
      if (e.expect.ok) {
        if (r.error) {
          wrong.push(`${e.name}: unexpected error ${JSON.stringify(r.error)}`);
          continue;
        }
        const p = problem(r);
        if (p) wrong.push(`${e.name}: ${p}`);
        if (!(r.peak_allocated_bytes <= r.reserved_bytes && r.reserved_bytes <= r.total_bytes)) {
          wrong.push(`${e.name}: peak <= reserved <= total broken`);
        }
        if (!(r.range.low_bytes <= r.total_bytes && r.total_bytes <= r.range.high_bytes)) {
          wrong.push(`${e.name}: low <= total <= high broken`);
        }
        continue;
      }
      errors++;
      if (!r.error) {
        wrong.push(`${e.name}: expected ${e.expect.code}, got a success`);
        continue;
      }
      const got = {code: r.error.code, field: r.error.field};
      if (!CODES.has(got.code) || got.code !== e.expect.code || got.field !== e.expect.field) {
        wrong.push(
          `${e.name}: want ${JSON.stringify(e.expect)}, got ${JSON.stringify(got)} (${r.error.message.slice(
            0,
            160,
          )})`,
        );
      }
      if (!r.error.message) wrong.push(`${e.name}: empty message`);
      for (const s of e.message_contains ?? []) {
        if (!r.error.message.includes(s)) wrong.push(`${e.name}: message lacks "${s}"`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(errors >= 70, `${errors} error entries`);
  },
);

test('the module still answers correctly after the catalogue', {skip: SKIP}, () => {
  const r = JSON.parse(
    mod.estimateJson(JSON.stringify({model: {preset: 'Qwen/Qwen3-0.6B'}, search: false})),
  );
  assert.equal(r.error, undefined);
  assert.equal(r.model.id, 'Qwen/Qwen3-0.6B');
  assert.ok(r.total_bytes > 0);
});
