// scripts/prerender.mjs writes the default answer's headline into
// web/index.html and the inline script's hash into its CSP. Checked here on
// small pages: the markup is the view's (text only, escaped), the rewrite is
// idempotent, the hash is the script's sha256 (computed here), and a page
// without the markers is an error, not a silent no-op. The built page itself
// is checked against the module's answer in tests/web/page.test.mjs.
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {prerenderPage} from '../../scripts/prerender.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const snap = JSON.parse(readFileSync(path.join(root, 'web/gen/snapshot.json'), 'utf8'));
const catalog = JSON.parse(snap.catalog);
const response = JSON.parse(snap.response);

const SCRIPT = "if (location.search) document.documentElement.dataset.link = '';";
const page = (csp) =>
  `<head><meta http-equiv="Content-Security-Policy" content="default-src 'self'; ${csp}; style-src 'self'">` +
  `<script>${SCRIPT}</script></head><body><div id="summary"><!--prerender-->old<!--/prerender--></div></body>`;
const sha = (t) => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;

test('the headline is the view of the answer, between the markers', async () => {
  const out = await prerenderPage(page("script-src 'self' 'wasm-unsafe-eval'"), response, catalog);
  const block = /<!--prerender-->([\s\S]*)<!--\/prerender-->/.exec(out)[1];
  assert.doesNotMatch(block, /old/);
  // The total in GiB (2^30 bytes, two decimals) and its bytes, as the page shows them.
  const gib = `${(response.total_bytes / 2 ** 30).toFixed(2)} GiB`;
  assert.match(block, new RegExp(`id="total"[^>]*>${gib}<`));
  assert.match(block, new RegExp(`data-bytes="${response.total_bytes}"`));
  assert.match(block, /elementtiming="total"/);
  assert.match(block, /<strong id="model-name">meta-llama\/Llama-3\.1-8B<\/strong>/);
});

test('the CSP lists the inline script by its sha256, and a second run changes nothing', async () => {
  const once = await prerenderPage(page("script-src 'self' 'wasm-unsafe-eval'"), response, catalog);
  assert.ok(once.includes(`script-src 'self' ${sha(SCRIPT)} 'wasm-unsafe-eval';`));
  // A stale hash is replaced, not kept beside the new one.
  const stale = await prerenderPage(
    page("script-src 'self' 'sha256-AAAA' 'wasm-unsafe-eval'"),
    response,
    catalog,
  );
  assert.equal(stale, once);
  assert.equal(await prerenderPage(once, response, catalog), once);
});

test('text from the answer goes in as text: a hostile model id stays inert', async () => {
  const hostile = '<img src=x onerror=alert(1)>"&';
  const r = {...response, model: {...response.model, id: hostile}};
  const out = await prerenderPage(page("script-src 'self' 'wasm-unsafe-eval'"), r, catalog);
  assert.ok(!out.includes('<img'), 'no element from the id');
  assert.match(out, /&lt;img src=x onerror=alert\(1\)&gt;/);
});

test('a page without the markers or the CSP is an error naming what is missing', async () => {
  await assert.rejects(
    prerenderPage('<div id="summary"></div>', response, catalog),
    /no <!--prerender--> block/,
  );
  await assert.rejects(
    prerenderPage(page("script-src 'self'"), response, catalog),
    /CSP script-src/,
  );
});
