// <vramfit-estimate> pasted into a page on ANOTHER origin (issue 14): the
// docs page at http://127.0.0.2:<port> loads one classic script from the
// vramfit host at http://127.0.0.1:<port>, which sends no CORS headers
// (scripts/static-server.mjs). Fallback content shows while it loads.
import assert from 'node:assert/strict';
import {mkdtempSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';

import {bundleWidget} from '../../scripts/bundle-app.mjs';
import {launch, openPage, root, spawnServer, startServer} from './harness.mjs';

let host; // vramfit's files
let docs; // the third-party page
let docsDir;
let browser;
before(async () => {
  // Rebundle, so the test never runs a widget older than web/js.
  const out = path.join(root, 'web/gen/vramfit-widget.js');
  writeFileSync(`${out}.${process.pid}`, (await bundleWidget(path.join(root, 'web'))).code);
  renameSync(`${out}.${process.pid}`, out);
  host = await startServer();
  docsDir = mkdtempSync(path.join(tmpdir(), 'vramfit-docs-'));
  const {port, proc} = await spawnServer(process.execPath, [
    path.join(root, 'scripts/static-server.mjs'),
    docsDir,
    '0',
    '127.0.0.2',
  ]);
  docs = {base: `http://127.0.0.2:${port}`, stop: () => proc.kill()};
  browser = await launch();
});
after(async () => {
  await browser?.close();
  host?.stop();
  docs?.stop();
  if (docsDir) rmSync(docsDir, {recursive: true, force: true});
});

test('one script from another origin, no CORS: fallback first, then the estimate', async () => {
  const script = `${host.base}/web/gen/vramfit-widget.js`;
  writeFileSync(
    path.join(docsDir, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Docs</title>
<link rel="icon" href="data:,">
<script>
window.events = [];
for (const type of ['vramfit-result', 'vramfit-error'])
  document.addEventListener(type, (e) => events.push({type, detail: e.detail}));
</script></head><body>
<vramfit-estimate id="w" task="qlora" batch_size="4" gpu="4090"><p id="fallback">Estimating GPU memory…</p></vramfit-estimate>
<script src="${script}" defer></script>
</body></html>`,
  );
  const page = await openPage(browser, {width: 800});
  const fromHost = [];
  page.on('request', (r) => {
    if (r.url().startsWith(host.base)) fromHost.push(r.url());
  });
  // Hold the script until the fallback has been seen.
  let release;
  const held = new Promise((r) => (release = r));
  await page.route(script, async (route) => {
    await held;
    await route.continue();
  });
  // 'load' waits for the held (deferred) script.
  await page.goto(`${docs.base}/index.html`, {waitUntil: 'commit'});
  await page.locator('#fallback').waitFor({state: 'visible'});
  assert.equal(await page.evaluate(() => customElements.get('vramfit-estimate')), undefined);
  release();
  await page.waitForFunction(() => window.events.length > 0);
  const [ev] = await page.evaluate(() => window.events);
  assert.equal(ev.type, 'vramfit-result', JSON.stringify(ev.detail));
  assert.ok(ev.detail.total_bytes > 0);
  assert.equal(ev.detail.target.id, 'rtx-4090-24g');
  const shadow = await page.locator('#w').evaluate((el) => el.shadowRoot.textContent);
  assert.match(shadow, /GiB/);
  assert.equal(await page.locator('#fallback').isVisible(), false, 'fallback replaced');
  // Its link opens the full page on vramfit's host with the same settings.
  const link = await page
    .locator('#w')
    .evaluate((el) => el.shadowRoot.querySelector('a[href]')?.href ?? '');
  assert.match(link, new RegExp(`^${host.base}/web/index\\.html\\?.*batch_size=4`));
  assert.deepEqual(fromHost, [script], 'one request to the vramfit host');
  // The wasm rode in the script packed (web/js/inline-engine.js): base64 of
  // an LZMA-alone header (properties 04: lc 4, lp 0, pb 0; 64 MiB dictionary).
  assert.ok(await page.evaluate(() => globalThis.__vramfitPacked.wasm.startsWith('BAAAAAT')));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
