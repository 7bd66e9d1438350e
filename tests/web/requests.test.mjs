// Page security: every request the page makes is recorded. With a preset,
// the page talks to nothing but its own origin; fetching a Hub model talks
// to the Hub endpoint only, and no request carries an Authorization header
// when no token was given.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {launch, openPage, ready, startServer} from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

function record(page) {
  const seen = [];
  page.on('request', (r) => seen.push({url: r.url(), headers: r.headers()}));
  return seen;
}

test('a preset estimate makes same-origin requests only', async () => {
  const page = await openPage(browser);
  const seen = record(page);
  await page.goto(`${server.base}/web/?preset=meta-llama/Llama-3.1-8B&task=qlora&batch_size=4`);
  await ready(page);
  await page.fill('#f-batch_size', '6');
  await ready(page, 2);
  assert.ok(seen.length > 0);
  const origin = new URL(server.base).origin;
  const foreign = seen.filter((r) => !r.url.startsWith(origin) && !r.url.startsWith('data:'));
  assert.deepEqual(
    foreign.map((r) => r.url),
    [],
  );
  await page.context().close();
});

test('a Hub model id is fetched from the Hub only, without credentials', async () => {
  const page = await openPage(browser);
  const seen = record(page);
  await page.goto(`${server.base}/web/?model=Qwen/Qwen3-8B`);
  await page.waitForFunction(() => document.querySelector('#model-status')?.textContent.length > 0);
  await page.waitForTimeout(500);
  const origin = new URL(server.base).origin;
  const foreign = seen.filter((r) => !r.url.startsWith(origin) && !r.url.startsWith('data:'));
  assert.ok(foreign.length > 0, 'the Hub was asked for the config');
  for (const r of foreign) {
    assert.equal(new URL(r.url).origin, 'https://huggingface.co', r.url);
    assert.equal(r.headers.authorization, undefined);
  }
  await page.context().close();
});
