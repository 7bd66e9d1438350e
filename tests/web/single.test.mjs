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
    // The wasm came packed (web/js/inline-engine.js), not as an Emscripten
    // SINGLE_FILE base64 of the raw bytes (~78 KB more gzipped), which starts
    // with the wasm magic "\0asm" = "AGFzbQ".
    assert.ok(!readFileSync(file, 'utf8').includes('AGFzbQ'), 'no base64 of the raw wasm');
    assert.ok(
      await page.evaluate(() => globalThis.__vramfitPacked.wasm.startsWith('BAAAAAT')),
      'base64 of an LZMA-alone header (properties 04: lc 4, lp 0, pb 0; 64 MiB dictionary)',
    );
    await shot(page, 'single-file-phone');
    assert.deepEqual(page.problems, []);
    assert.ok(statSync(file).size < 4_000_000, `${statSync(file).size} bytes`);
    await page.context().close();
  },
);

test(
  'single file whose packed engine is damaged: an error saying so, not a blank page',
  {skip: !existsSync(file) && `${file} not built (scripts/build-single.sh)`},
  async () => {
    const page = await openPage(browser);
    // A download cut short or edited: flip bytes in the packed wasm as the
    // page's own script hands it over.
    await page.addInitScript(() => {
      Object.defineProperty(globalThis, '__vramfitPacked', {
        configurable: true,
        get: () => globalThis.__damaged,
        set(v) {
          const b = atob(v.wasm).split('');
          for (let i = 1000; i < 1100; i++) b[i] = String.fromCharCode(b[i].charCodeAt(0) ^ 0x55);
          globalThis.__damaged = {...v, wasm: btoa(b.join(''))};
        },
      });
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.body.dataset.ready === 'error');
    assert.match(
      await page.locator('#loading').textContent(),
      /The built-in engine could not be unpacked \(corrupted input\): download the page again/,
    );
    assert.doesNotMatch(await page.locator('#loading').textContent(), /Reload|exception/);
    assert.ok(await page.locator('#loading').isVisible());
    assert.deepEqual(page.problems, []);
    await page.context().close();
  },
);
