// The offline single file (scripts/build-single.sh) opened from file://.
import assert from 'node:assert/strict';
import {existsSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {pathToFileURL} from 'node:url';

import {launch, openPage, ready, root, shot, totalBytes} from './harness.mjs';

const file = path.resolve(root, process.env.SINGLE_HTML || 'build-wasm/vramfit.html');
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test(
  'single-file vramfit.html works from file:// with no console errors',
  {skip: !existsSync(file) && `${file} not built (scripts/build-single.sh)`},
  async () => {
    const page = await openPage(browser, {width: 390, height: 844});
    await page.goto(pathToFileURL(file).href);
    await ready(page);
    assert.ok((await totalBytes(page)) > 0);
    const n = Number(await page.evaluate(() => document.body.dataset.renders));
    await page.fill('#f-batch_size', '8');
    await ready(page, n + 1);
    assert.ok((await page.locator('#gpu-table tbody tr').count()) > 0);
    assert.equal(
      await page.$$eval(
        'script[src], link[rel=stylesheet], link[rel=preload], link[rel=modulepreload]',
        (e) => e.length,
      ),
      0,
      'nothing external',
    );
    // The wasm came from the gzip'd embed (engine.js embeddedWasm), not an
    // Emscripten SINGLE_FILE base64 of the raw bytes (~78 KB more gzipped),
    // which starts with the wasm magic "\0asm" = "AGFzbQ".
    assert.ok(!readFileSync(file, 'utf8').includes('AGFzbQ'), 'no base64 of the raw wasm');
    assert.ok(
      await page.evaluate(() => globalThis.__vramfitWasmGz.startsWith('H4sI')),
      'base64 of gzip bytes (1f 8b 08)',
    );
    await shot(page, 'single-file-phone');
    assert.deepEqual(page.problems, []);
    assert.ok(statSync(file).size < 4_000_000, `${statSync(file).size} bytes`);
    await page.context().close();
  },
);

test(
  'single file in a browser without DecompressionStream: an error naming it, not a blank page',
  {skip: !existsSync(file) && `${file} not built (scripts/build-single.sh)`},
  async () => {
    const page = await openPage(browser);
    await page.addInitScript(() => delete globalThis.DecompressionStream);
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.body.dataset.ready === 'error');
    assert.match(await page.locator('#loading').textContent(), /DecompressionStream/);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  },
);
