// WASM stability: 100,000 failing and 100,000 succeeding estimateJson calls
// must not grow the module's heap (a leak of even a few bytes per call would
// need new pages), and the module must still answer correctly afterwards.
// The succeeding calls use a small preset with "search": false: about
// 0.5 ms each (the answer lists every catalogue GPU), so the test takes
// about 55 s of CPU. Skipped when web/gen/ has no wasm build.
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {loadModule, SKIP} from './wasm-build.mjs';

// VRAMFIT_HEAP_CALLS overrides the count (e.g. for a quick local run).
const N = Number(process.env.VRAMFIT_HEAP_CALLS ?? 100000);

const FAILING = [
  '{"model": ', // invalid_json
  JSON.stringify({model: {preset: 'nobody/none'}}), // unknown_preset
  JSON.stringify({model: {preset: 'HuggingFaceTB/SmolLM2-135M'}, batch_size: 0}), // out_of_range
  JSON.stringify({
    model: {
      config: {
        model_type: 'llama',
        hidden_size: 100,
        num_hidden_layers: 2,
        num_attention_heads: 3,
        intermediate_size: 8,
        vocab_size: 10,
      },
    },
  }), // inconsistent (config path)
];
const OK = JSON.stringify({
  model: {preset: 'HuggingFaceTB/SmolLM2-135M'},
  task: 'lora',
  batch_size: 2,
  seq_len: 512,
  search: false,
});

const heapBytes = (mod) => (mod.HEAP8 ? mod.HEAP8.length : mod.wasmMemory.buffer.byteLength);

test(
  '100,000 failing + 100,000 succeeding calls do not grow the heap',
  {skip: SKIP, timeout: 600000},
  async () => {
    const mod = await loadModule();
    assert.ok(heapBytes(mod) > 0, 'the module exposes HEAP8');
    // Warm up: first calls fill the parsed preset/catalogue caches.
    for (let i = 0; i < 200; i++) {
      mod.estimateJson(FAILING[i % FAILING.length]);
      mod.estimateJson(OK);
    }
    const expected = mod.estimateJson(OK);
    const before = heapBytes(mod);
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const out = mod.estimateJson(FAILING[i % FAILING.length]);
      if (i % 9973 === 0) assert.ok(JSON.parse(out).error, 'a failing call answers an error');
    }
    const tFail = performance.now() - t0;
    for (let i = 0; i < N; i++) {
      const out = mod.estimateJson(OK);
      if (i % 9973 === 0) assert.equal(out, expected, 'the same request gives the same answer');
    }
    const tOk = performance.now() - t0 - tFail;
    const after = heapBytes(mod);
    console.log(
      `# heap ${before} -> ${after} bytes; ${N} failing calls ${(tFail / 1000).toFixed(1)} s, ` +
        `${N} succeeding calls ${(tOk / 1000).toFixed(1)} s`,
    );
    assert.equal(after, before, 'heap size unchanged');
    // Still answers correctly.
    const r = JSON.parse(mod.estimateJson(OK));
    assert.equal(r.error, undefined);
    assert.equal(r.model.id, 'HuggingFaceTB/SmolLM2-135M');
    assert.deepEqual(r, JSON.parse(expected));
    const e = JSON.parse(mod.estimateJson('{"model": '));
    assert.equal(e.error.code, 'invalid_json');
  },
);
