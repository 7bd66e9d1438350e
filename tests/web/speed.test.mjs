// The speed panel in headless Chromium: the response's `speed` figures
// (methodology §18) for inference and for training, hidden without a GPU.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {launch, openPage, ready, shot, startServer} from './harness.mjs';

let server;
let browser;
let url;

before(async () => {
  server = await startServer();
  browser = await launch();
  url = `${server.base}/web/index.html`;
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const rows = (page) =>
  page.$$eval('#speed tr[data-speed]', (trs) =>
    trs.map((tr) => [tr.dataset.speed, tr.querySelector('td').textContent, tr.title]),
  );

test('speed panel: decode, prefill and time to first token on the chosen GPU', async () => {
  const page = await openPage(browser);
  await page.goto(`${url}?task=inference&engine=llama_cpp&gpu=rtx-4090-24g&seq_len=1024`);
  await ready(page);
  assert.equal(await page.isVisible('#speed'), true);
  const r = await rows(page);
  const ids = r.map(([id]) => id);
  for (const id of ['decode_tokens_per_s', 'prefill_tokens_per_s', 'time_to_first_token_s'])
    assert.ok(ids.includes(id), id);
  assert.match(r.find(([id]) => id === 'decode_tokens_per_s')[1], /^[\d,.]+ tokens\/s$/);
  assert.match(r.find(([id]) => id === 'time_to_first_token_s')[1], /^[\d.]+ s$/);
  // The formula and its inputs on hover, as for the memory components.
  assert.match(r.find(([id]) => id === 'prefill_tokens_per_s')[2], /prompt_tokens/);
  await page.locator('#speed').scrollIntoViewIfNeeded();
  await shot(page, 'speed-panel');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('speed panel: training step, time and cost from the URL state; hidden without a GPU', async () => {
  const page = await openPage(browser);
  await page.goto(
    `${url}?task=lora&gpu=rtx-4090-24g&batch_size=2&seq_len=2048` +
      '&train_tokens=1000000000&price_per_gpu_hour=2',
  );
  await ready(page);
  const ids = (await rows(page)).map(([id]) => id);
  assert.deepEqual(ids, ['train_step_s', 'train_tokens_per_s', 'train_time_s', 'train_cost']);
  assert.equal(await page.inputValue('#f-train_tokens'), '1000000000');
  await page.goto(`${url}?task=lora&batch_size=2`);
  await ready(page);
  assert.equal(await page.isVisible('#speed'), false);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('fit matrix: a tokens/s column, the panel figure on the chosen GPU, a dash where it does not fit', async () => {
  const page = await openPage(browser);
  await page.goto(`${url}?task=inference&engine=llama_cpp&gpu=rtx-4090-24g&seq_len=1024`);
  await ready(page);
  const head = await page.$eval('#gpu-table thead tr', (tr) => tr.lastElementChild.textContent);
  assert.match(head, /Decode tok\/s/);
  const mine = await page.$eval(
    '#gpu-table tr[data-gpu="rtx-4090-24g"]',
    (tr) => tr.lastElementChild.textContent,
  );
  const panel = (await rows(page)).find(([id]) => id === 'decode_tokens_per_s')[1];
  // The matrix rounds to one decimal (whole numbers from 100 up); the panel prints its own way.
  assert.ok(
    Math.abs(Number(mine) - Number(panel.replace(/[^\d.]/g, ''))) < 1,
    `${mine} vs ${panel}`,
  );
  const cells = await page.$$eval('#gpu-table tbody tr.v-no', (trs) =>
    trs.map((tr) => tr.lastElementChild.textContent),
  );
  for (const c of cells) assert.equal(c, '—');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
