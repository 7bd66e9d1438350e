// <vramfit-estimate> on a test page (tests/web/widget.html).
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {launch, openPage, shot, startServer} from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const eventsOf = (page, id) =>
  page.evaluate((x) => window.vramfitEvents.filter((e) => e.id === x), id);
async function waitEvents(page, id, n) {
  await page.waitForFunction(
    ([x, k]) => window.vramfitEvents.filter((e) => e.id === x).length >= k,
    [id, n],
  );
  return eventsOf(page, id);
}

test('renders a compact result and dispatches vramfit-result with the response', async () => {
  const page = await openPage(browser, {width: 800});
  await page.goto(`${server.base}/tests/web/widget.html`);
  const [a] = await waitEvents(page, 'a', 1);
  assert.equal(a.type, 'vramfit-result');
  assert.ok(a.detail.total_bytes > 0);
  assert.ok(Array.isArray(a.detail.components));
  const text = await page.locator('#a').evaluate((el) => el.shadowRoot.textContent);
  assert.match(text, /GiB/);
  const [b] = await waitEvents(page, 'b', 1);
  assert.equal(b.type, 'vramfit-result');
  assert.notEqual(b.detail.total_bytes, a.detail.total_bytes);
  // A training task on a catalogue GPU carries its speed (methodology §18.2).
  assert.ok(b.detail.speed.figures.some((f) => f.id === 'train_tokens_per_s'));
  // ... and shows it beside the verdict: the matrix's figure for that GPU.
  const gpuB = b.detail.gpus.find((g) => g.id === b.detail.request.gpu);
  const textB = await page.locator('#b').evaluate((el) => el.shadowRoot.textContent);
  assert.ok(typeof gpuB.tokens_per_s === 'number', 'the chosen GPU fits and has a speed');
  assert.match(textB, /tokens\/s training/);
  const [bad] = await waitEvents(page, 'bad', 1);
  assert.equal(bad.type, 'vramfit-error');
  assert.equal(bad.detail.field, 'batch_size');
  assert.match(
    await page.locator('#bad').evaluate((el) => el.shadowRoot.textContent),
    /batch_size/,
  );
  await shot(page, 'widget');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('changing an attribute recomputes', async () => {
  const page = await openPage(browser);
  await page.goto(`${server.base}/tests/web/widget.html`);
  const [first] = await waitEvents(page, 'a', 1);
  await page.evaluate(() => document.getElementById('a').setAttribute('batch_size', '32'));
  const events = await waitEvents(page, 'a', 2);
  assert.ok(events[1].detail.total_bytes > first.detail.total_bytes);
  const created = await page.evaluate(async () => {
    const el = document.createElement('vramfit-estimate');
    el.id = 'made';
    el.setAttribute('seq_len', '1024');
    const done = new Promise((resolve) =>
      el.addEventListener('vramfit-result', (e) => resolve(e.detail.total_bytes)),
    );
    document.body.appendChild(el);
    return done;
  });
  assert.ok(created > 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
