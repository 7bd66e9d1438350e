// Suggestions on the page are applied as data: for every kind the core
// offers (a combined change, a shorter context and more GPUs included), Apply writes
// the recommendation's `change` into the form, and the page then shows the
// total the core promised for it. The expectations come from the wasm module
// in Node for the same request, not from the page.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';

import {loadEngine} from '../../web/js/engine.js';

import {launch, openPage, ready, root, startServer, totalBytes} from './harness.mjs';

let server;
let browser;
// Loaded before the tests are declared: one test per suggestion.
const engine = await loadEngine({
  wasmBinary: readFileSync(path.join(root, 'web/gen/vramfit.wasm')),
});

before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const PRESET = 'meta-llama/Llama-3.1-8B';
// Training that no single change rescues (so a combined one follows), with an
// explicit weights dtype that the task changes reset; inference with a long
// prompt, whose shorter context shortens the prompt too.
// What an L4 is offered for batch 16 x 8192 (each alone fits or saves), with
// more L4s last.
const L4_LONG_BATCH = [
  'smaller_batch',
  'kv_cache_fp8',
  'weights_int8',
  'weights_nf4',
  'shorter_context',
  'more_gpus',
];
const SCENARIOS = [
  {
    // Foreach AdamW and no checkpointing given (not the hf stack's defaults),
    // so those two suggestions occur.
    query: {
      task: 'full',
      precision: 'bf16_mixed',
      optimizer: 'adamw',
      gradient_checkpointing: false,
      weights_dtype: 'bf16',
      batch_size: 8,
      gpu: 'rtx-4090-24g',
    },
    kinds: [
      'gradient_checkpointing',
      'optimizer_8bit',
      'chunked_loss',
      'smaller_batch',
      'lora',
      'qlora',
      'shorter_context',
      'combined',
    ],
  },
  {
    query: {batch_size: 16, seq_len: 8192, prompt_len: 8000, gpu: 'l4-24g'},
    // 4 x L4 with tensor parallel 4 hold it (more_gpus, last).
    kinds: L4_LONG_BATCH,
  },
  {
    // vLLM refuses to start: one request of the default max_model_len (the
    // model's 131,072) needs more KV cache than an L4 has left, and the
    // largest max_model_len that starts comes first (issue 12).
    query: {task: 'inference', engine: 'vllm', gpu: 'l4-24g'},
    kinds: ['vllm_max_model_len', 'kv_cache_fp8', 'weights_int8', 'weights_nf4', 'more_gpus'],
  },
  {
    // The number of GPUs given (tensor parallel 2 over 2 x L4): more GPUs is
    // the count alone, {"gpus": 4}, which picks tensor parallel 4.
    query: {batch_size: 16, seq_len: 8192, gpu: 'l4-24g', gpus: 2},
    kinds: L4_LONG_BATCH,
  },
];

const pageUrl = (query) =>
  `${server.base}/web/index.html?${new URLSearchParams({
    preset: PRESET,
    search: 'false',
    ...query,
  })}`;

/** The form control's value as the form state spells it ('' = default). */
const controlValue = (page, name) =>
  page.$eval(`#f-${name.replace(/\./g, '-')}`, (el) =>
    el.type === 'checkbox' ? String(el.checked) : el.value,
  );

for (const {query, kinds} of SCENARIOS) {
  const expected =
    engine.estimate({model: {preset: PRESET}, search: false, ...query}).recommend ?? [];

  test(`suggestions for ${JSON.stringify(query)}: ${kinds.join(', ')}`, () => {
    assert.deepEqual(
      expected.map((r) => r.id),
      kinds,
    );
  });

  for (const rec of expected) {
    test(`Apply "${rec.label}" (${rec.id}) sets ${JSON.stringify(rec.change)}`, async () => {
      const page = await openPage(browser);
      await page.goto(pageUrl(query));
      await ready(page);
      const shown = await page.$$eval('#recommend li', (lis) =>
        lis.map((li) => [li.dataset.rec, Number(li.dataset.total)]),
      );
      assert.deepEqual(
        shown,
        expected.map((r) => [r.id, r.total_bytes]),
        "the page lists the core's suggestions",
      );
      const item = page.locator(`#recommend li[data-rec="${rec.id}"]`);
      assert.equal(await item.locator('strong').textContent(), rec.label);
      const renders = await page.evaluate(() => Number(document.body.dataset.renders));
      await item.locator('button').click();
      await ready(page, renders + 1);
      for (const [name, value] of Object.entries(rec.change))
        assert.equal(await controlValue(page, name), value === null ? '' : String(value), name);
      assert.equal(await totalBytes(page), rec.total_bytes, 'the total the suggestion promised');
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });
  }
}
