// The page against a local mock Hub (tests/hub/mock_hub.py on 127.0.0.1,
// its "CDN" on localhost: another origin), pointed at it with ?endpoint=.
// Covers: exact weights from safetensors and GGUF headers, search as you
// type, the gated flow with a token (which must reach no other host), every
// failure message, the cache, and "remember on this device".
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {after, before, test} from 'node:test';

import {
  launch,
  openPage,
  ready,
  root,
  shot,
  spawnServer,
  startServer,
  totalBytes,
} from './harness.mjs';

const TOKEN = 'hf_mock_secret_token';
let server, browser, hubProc, hub, cdn;

before(async () => {
  server = await startServer();
  browser = await launch();
  let port;
  ({port, proc: hubProc} = await spawnServer('python3', [
    path.join(root, 'tests/hub/mock_hub.py'),
    '--fixtures',
    path.join(root, 'tests/fixtures'),
    '--token',
    TOKEN,
    '--slow',
    '4',
    '--idle-exit',
    '600',
  ]));
  hub = `http://127.0.0.1:${port}`;
  cdn = `localhost:${port}`;
});
after(async () => {
  await browser?.close();
  server?.stop();
  hubProc?.kill();
});

async function hubLog({reset = true} = {}) {
  const res = await fetch(`${hub}/__log${reset ? '?reset=1' : ''}`);
  return res.json();
}

/** A page on the mock Hub; `timeoutMs` shortens the Hub client's timeout. */
async function hubPage({timeoutMs = 1500} = {}) {
  const page = await openPage(browser);
  await page.addInitScript((ms) => {
    globalThis.VRAMFIT_HUB_TIMEOUT_MS = ms;
  }, timeoutMs);
  page.requests = [];
  page.on('request', (r) => page.requests.push({url: r.url(), auth: r.headers().authorization}));
  return page;
}

const link = (query) =>
  `${server.base}/web/index.html?${query}&endpoint=${encodeURIComponent(hub)}`;
const statusText = (page) => page.textContent('#model-status');
async function waitStatus(page, re) {
  await page.waitForFunction(
    (src) => new RegExp(src).test(document.querySelector('#model-status').textContent),
    re.source,
    {timeout: 15000},
  );
  return statusText(page);
}
const componentBytes = (page, id) =>
  page.$eval(`#chart tr[data-id="${id}"]`, (tr) => Number(tr.dataset.bytes));

// tiny/llama (mock_hub.py TINY): hidden 64, 2 layers, 4 heads of 16, 2 KV
// heads, MLP 128, vocab 256, untied. Per layer q,o 64x64 + k,v 64x32 +
// 3 x 64x128 + 2 norms = 4096*2 + 2048*2 + 24576 + 128 = 36,992; plus
// embed and head 2 x 256x64 and the final norm 64: 106,816 params,
// 213,632 bytes in BF16.
const TINY_PARAMS = 106816;
const TINY_BF16_BYTES = 213632;

test('a Hub link loads config.json and the exact bytes from the safetensors header', async () => {
  const page = await hubPage();
  await hubLog();
  await page.goto(link('model=tiny/llama&task=inference&batch_size=1&seq_len=128'));
  await ready(page);
  assert.match(
    await waitStatus(page, /safetensors headers of 1 file from /),
    /tiny\/llama \(commit [0-9a-f]{7}\): config\.json \+ safetensors headers of 1 file from 127\.0\.0\.1/,
  );
  assert.equal(await page.textContent('#model-name'), 'tiny/llama');
  const table = await page.textContent('#checkpoint-table');
  assert.match(table, new RegExp(`${TINY_BF16_BYTES.toLocaleString('en-US')} B\\) in 1 file`));
  assert.match(
    table,
    new RegExp(`Params from the config${TINY_PARAMS.toLocaleString('en-US')}: equal`),
  );
  assert.match(await page.textContent('#checkpoint-used'), /uses these exact stored bytes/);
  assert.equal(await componentBytes(page, 'weights'), TINY_BF16_BYTES);
  // Only header bytes were read: Range 0-7, then 8..8+N-1.
  const ranges = (await hubLog()).filter((r) => r.range).map((r) => r.range);
  assert.equal(ranges.length, 2);
  assert.equal(ranges[0], 'bytes=0-7');
  assert.match(ranges[1], /^bytes=8-\d+$/);
  assert.ok(Number(ranges[1].split('-')[1]) < 4096, 'a header, not the weights');
  await shot(page, 'hub-safetensors');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

// Before the module is in (the plain page paints the snapshot first and
// fetches the wasm after), a Hub fetch waits for it instead of failing.
test('a Hub fetch asked for before the module is in waits for it, then loads', async () => {
  const page = await hubPage();
  let release;
  const gate = new Promise((resolve) => {
    release = resolve;
  });
  await page.route('**/vramfit.wasm', async (route) => {
    await gate;
    await route.continue();
  });
  await page.goto(`${server.base}/web/index.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'snapshot');
  await page.click('#hub-settings summary');
  await page.fill('#endpoint', hub);
  await page.fill('#model', 'tiny/llama');
  await page.press('#model', 'Enter');
  await page.waitForTimeout(300); // the fetch is under way, the wasm held back
  assert.doesNotMatch(await statusText(page), /still loading/i);
  assert.ok(await page.locator('#error').isHidden());
  release();
  await waitStatus(page, /safetensors headers of 1 file from /);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  assert.equal(await page.textContent('#model-name'), 'tiny/llama');
  assert.equal(await componentBytes(page, 'weights'), TINY_BF16_BYTES);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a sharded repo: four headers add up to the published total_size of Llama 3.1 8B', async () => {
  const page = await hubPage();
  await page.goto(link('model=meta-llama/Meta-Llama-3.1-8B&task=inference'));
  await ready(page);
  await waitStatus(page, /safetensors headers of 4 files from /);
  // meta-llama/Llama-3.1-8B model.safetensors.index.json: "total_size": 16060522496
  // (= 8,030,261,248 params x 2 bytes).
  const table = await page.textContent('#checkpoint-table');
  assert.match(table, /16,060,522,496 B\) in 4 files/);
  assert.match(table, /Index total_size16,060,522,496 B \(matches the headers\)/);
  assert.equal(await componentBytes(page, 'weights'), 16060522496);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a repo with params.json instead of config.json (Mistral native) loads; one with neither says so', async () => {
  const page = await hubPage();
  await page.goto(link('model=tiny/params-only&task=inference'));
  await ready(page);
  // params.json of the tiny llama, weights in consolidated.safetensors.
  assert.match(
    await waitStatus(page, /params\.json \+ .* from /),
    /params\.json \+ safetensors headers of 1 file/,
  );
  assert.equal(await componentBytes(page, 'weights'), TINY_BF16_BYTES);
  assert.match(
    await page.textContent('#checkpoint-table'),
    new RegExp(`Params from the config${TINY_PARAMS.toLocaleString('en-US')}: equal`),
  );
  await page.goto(link('model=tiny/no-config&task=inference'));
  assert.match(
    await waitStatus(page, /no config\.json/),
    /tiny\/no-config has no config\.json \(nor params\.json or a GGUF file\).*paste a config\.json below, or pick a preset/,
  );
  await page.context().close();
});

test('search as you type, keyboard pick, GGUF-only repo with a file picker', async () => {
  const page = await hubPage();
  await page.goto(link('task=inference'));
  await ready(page);
  await hubLog();
  await page.click('#model');
  await page.keyboard.type('gguf', {delay: 40});
  await page.waitForSelector('#model-suggest li[role=option]');
  assert.equal(await page.getAttribute('#model', 'aria-expanded'), 'true');
  const options = await page.$$eval('#model-suggest li', (ls) => ls.map((l) => l.dataset.id));
  assert.deepEqual(options, [
    'tiny/gguf-multi',
    'tiny/gguf-bigvocab',
    'tiny/gguf',
    'tiny/gguf-split',
  ]);
  const searches = (await hubLog()).filter((r) => r.path.startsWith('/api/models?'));
  assert.equal(searches.length, 1, 'typing is debounced into one search');
  assert.match(searches[0].path, /search=gguf/);
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getAttribute('#model', 'aria-activedescendant'), 'model-opt-0');
  await page.keyboard.press('Escape');
  assert.equal(await page.getAttribute('#model', 'aria-expanded'), 'false');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  // The default quant (no Q4_K_M here, so Q8_0). Hand sum over the tiny
  // llama: 106,816 params of which 320 are norms (64 + 2 x 2 x 64), kept
  // F32: 1,280 B; the other 106,496 in Q8_0 blocks of 32 values in 34 B:
  // 113,152 B. Total 114,432 B.
  await waitStatus(page, /GGUF header of tiny-Q8_0\.gguf from /);
  assert.equal(await page.isVisible('#gguf-box'), true);
  assert.deepEqual(await page.$$eval('#gguf-files option', (os) => os.map((o) => o.value)), [
    'tiny-F16.gguf',
    'tiny-Q4_0.gguf',
    'tiny-Q8_0.gguf',
  ]);
  assert.match(await page.textContent('#checkpoint-table'), /114,432 B\) in 1 file/);
  await page.fill('#gguf_file', 'tiny-F16.gguf');
  await page.dispatchEvent('#gguf_file', 'change');
  await waitStatus(page, /GGUF header of tiny-F16\.gguf from /);
  // F16: 106,496 x 2 B + 1,280 B of F32 norms = 214,272 B.
  assert.match(await page.textContent('#checkpoint-table'), /214,272 B\) in 1 file/);
  assert.match(await page.textContent('#checkpoint-table'), /Params from the headers106,816/);
  await page.waitForURL(/gguf_file=tiny-F16\.gguf/);
  // Typed text wins over the highlighted result of an earlier search.
  await page.fill('#model', 'me');
  await page.waitForSelector('#model-suggest li[role=option]');
  await page.keyboard.press('ArrowDown');
  await page.fill('#model', 'tiny/llama');
  await page.press('#model', 'Enter');
  await waitStatus(page, /^tiny\/llama \(commit/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a split GGUF: the default pick is its first part; every part is read and summed by the core', async () => {
  const page = await hubPage();
  await hubLog();
  await page.goto(link('model=tiny/gguf-split&task=inference'));
  await ready(page);
  // The default quant is Q8_0, here cut in two by gguf-split; the sums are
  // those of tiny-Q8_0.gguf above: 114,432 B, 106,816 params.
  await waitStatus(page, /GGUF header of tiny-Q8_0-00001-of-00002\.gguf from /);
  assert.deepEqual(
    await page.$$eval('#gguf-files option', (os) => os.map((o) => o.value)),
    ['tiny-F16.gguf', 'tiny-Q8_0-00001-of-00002.gguf'],
    'later parts are not offered',
  );
  assert.match(await page.textContent('#checkpoint-table'), /114,432 B\) in 2 files, 21 tensors/);
  assert.match(await page.textContent('#checkpoint-table'), /Params from the headers106,816/);
  assert.match(await page.textContent('#checkpoint-table'), /Params from the config106,816: equal/);
  const read = (await hubLog())
    .filter((r) => r.path.endsWith('.gguf'))
    .map((r) => r.path.split('/').pop());
  assert.deepEqual([...new Set(read)].sort(), [
    'tiny-Q8_0-00001-of-00002.gguf',
    'tiny-Q8_0-00002-of-00002.gguf',
  ]);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a gated model: the message asks for a token; with it the model loads and the token reaches no other host', async () => {
  const page = await hubPage();
  const context = page.context();
  await hubLog();
  await page.goto(link('model=gated/llama&task=inference'));
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  // Not /gated/: "Fetching gated/llama/config.json…" matches that while it loads.
  assert.match(
    await waitStatus(page, /gated or private/),
    /gated or private \(HTTP 401, GatedRepo\).*Access token/,
  );
  assert.equal(await page.getAttribute('#hub-settings', 'open'), '', 'the token field is shown');
  assert.equal(await page.isVisible('#hub-retry'), true);
  await page.fill('#hf-token', 'hf_wrong_token');
  await page.dispatchEvent('#hf-token', 'change');
  await page.click('#hub-retry');
  assert.match(
    await waitStatus(page, /token has no access/),
    /gated or private and the token has no access \(HTTP 401, GatedRepo\)/,
  );
  await page.fill('#hf-token', TOKEN);
  await page.dispatchEvent('#hf-token', 'change');
  await page.click('#hub-retry');
  await waitStatus(page, /safetensors headers of 1 file from /);
  assert.equal(await componentBytes(page, 'weights'), TINY_BF16_BYTES);

  const log = await hubLog();
  const cdnHits = log.filter((r) => r.host === cdn);
  assert.ok(cdnHits.length >= 1, 'the weights header came from the CDN host');
  for (const r of cdnHits) assert.equal(r.authorization, null, `no token at the CDN: ${r.path}`);
  assert.ok(
    log.some((r) => r.host.startsWith('127.0.0.1') && r.authorization === `Bearer ${TOKEN}`),
  );
  // Every request of the page: its own origin, the endpoint, the CDN; the
  // token only ever in requests to the endpoint.
  for (const r of page.requests) {
    const u = new URL(r.url);
    assert.ok([new URL(server.base).origin, hub, `http://${cdn}`].includes(u.origin), r.url);
    if (r.auth) assert.equal(u.origin, hub, `token sent to ${r.url}`);
  }
  assert.doesNotMatch(page.url(), /hf_/);
  assert.doesNotMatch(await page.inputValue('#share-url'), /hf_/);
  const stored = await page.evaluate(() => JSON.stringify({...localStorage}));
  assert.doesNotMatch(stored, /hf_mock/, 'not remembered: the token is not stored');
  assert.doesNotMatch(stored, /gated\/llama/, 'what the token fetched stays in memory');
  await context.close();
});

test('"remember on this device" keeps the token across reloads until forgotten', async () => {
  const page = await hubPage();
  const context = page.context();
  await page.goto(link('task=inference'));
  await ready(page);
  await page.click('#hub-settings summary');
  await page.fill('#hf-token', TOKEN);
  await page.check('#hf-token-remember');
  await page.reload();
  await ready(page);
  assert.equal(await page.inputValue('#hf-token'), TOKEN);
  assert.equal(await page.isChecked('#hf-token-remember'), true);
  await page.click('#hub-settings summary');
  await page.click('#hf-token-forget');
  await page.reload();
  await ready(page);
  assert.equal(await page.inputValue('#hf-token'), '');
  assert.equal(await page.evaluate(() => localStorage.getItem('vramfit.hf_token')), null);
  await context.close();
});

const FAILURES = [
  // [model, extra query, status pattern]
  [
    'missing/model',
    '',
    /No model repository for missing\/model \(HTTP 404, RepoNotFound\).*paste the config\.json/,
  ],
  // The Hub's answer to an anonymous request for a repo it does not show.
  [
    'no-such-org/typo',
    '',
    /No (public )?model repository for no-such-org\/typo \(HTTP 40[14], RepoNotFound\)/,
  ],
  ['tiny/llama', 'revision=no-such-branch', /Revision not found.*\(HTTP 404, RevisionNotFound\)/],
  ['ratelimit/model', '', /rate-limiting requests \(HTTP 429, retry after 30 s\).*Wait and retry/],
  ['broken/model', '', /failed \(HTTP 500\).*Retry in a few minutes/],
  ['slow/model', '', /No answer from 127\.0\.0\.1:\d+ within 1\.5 s.*Retry/],
  ['truncated/model', '', /cut off.*Retry/],
  ['invalid/model', '', /not a JSON object.*captive portal/],
  ['deep/model', '', /not a JSON object.*Retry/],
  ['nocors/model', '', /does not allow this page.*\(CORS\).*Access-Control-Allow-Origin/],
];

test('each Hub failure gets its own message, and the last good result stays on screen', async () => {
  const page = await hubPage();
  await page.goto(link('model=tiny/llama&task=inference'));
  await ready(page);
  await waitStatus(page, /safetensors headers of 1 file from /);
  const good = await totalBytes(page);
  for (const [model, extra, re] of FAILURES) {
    await page.goto(link(`model=${model}&task=inference${extra ? `&${extra}` : ''}`));
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    assert.match(await waitStatus(page, re), re, model);
    await page.waitForFunction(() =>
      document.querySelector('#model-status').className.includes('error'),
    );
  }
  // Within one page: a failure after a success keeps that result.
  await page.goto(link('model=tiny/llama&task=inference'));
  await ready(page);
  await waitStatus(page, /safetensors headers of 1 file from /);
  await page.fill('#model', 'broken/model');
  await page.press('#model', 'Enter');
  await waitStatus(page, /HTTP 500/);
  assert.equal(await totalBytes(page), good, 'the tiny/llama result is still shown');
  assert.equal(await page.isVisible('#hub-retry'), true);
  assert.deepEqual(
    page.problems.filter((p) => !/CORS|Failed to load resource|ERR_/.test(p)),
    [],
  );
  await page.context().close();
});

test('offline and DNS failures say so and point to the cache, a paste or a preset', async () => {
  const page = await hubPage();
  await page.goto(link('task=inference'));
  await ready(page);
  await page.context().setOffline(true);
  await page.fill('#model', 'never/fetched');
  await page.press('#model', 'Enter');
  assert.match(
    await waitStatus(page, /offline/),
    /You are offline.*paste the config\.json below, or pick a preset/,
  );
  await page.context().setOffline(false);
  await page.route('https://no-such-hub.invalid/**', (route) => route.abort('namenotresolved'));
  await page.click('#hub-settings summary');
  await page.fill('#endpoint', 'https://no-such-hub.invalid');
  await page.dispatchEvent('#endpoint', 'change');
  assert.match(
    await waitStatus(page, /Cannot reach/),
    /Cannot reach no-such-hub\.invalid \(no network, a DNS failure.*endpoint setting.*retry/,
  );
  await page.context().close();
});

test('a model seen once works offline from the cache; Refresh fetches it again', async () => {
  const page = await hubPage();
  const context = page.context();
  await page.goto(link('model=tiny/llama&task=inference'));
  await ready(page);
  await waitStatus(page, /from 127\.0\.0\.1/);
  const bytes = await totalBytes(page);
  await hubLog();
  // The Hub and its CDN are gone (the page itself is still served).
  const gone = (route) => route.abort('internetdisconnected');
  await page.route(`${hub}/**`, gone);
  await page.route(`http://${cdn}/**`, gone);
  page.requests.length = 0;
  await page.reload();
  await ready(page);
  assert.match(
    await waitStatus(page, /from the cache/),
    /tiny\/llama \(commit [0-9a-f]{7}\): config\.json \+ safetensors headers of 1 file from the cache \(fetched /,
  );
  assert.equal(await totalBytes(page), bytes);
  assert.equal(await componentBytes(page, 'weights'), TINY_BF16_BYTES);
  assert.deepEqual(
    page.requests.filter((r) => r.url.startsWith(hub)),
    [],
    'nothing asked of the Hub',
  );
  await page.unroute(`${hub}/**`);
  await page.unroute(`http://${cdn}/**`);
  await page.click('#hub-refresh');
  await waitStatus(page, /from 127\.0\.0\.1/);
  assert.ok(
    (await hubLog()).some((r) => r.path.endsWith('/config.json')),
    'Refresh went to the Hub',
  );
  await page.click('#hub-settings summary');
  assert.equal(await page.textContent('#hub-cache-count'), '1');
  await page.click('#hub-cache-clear');
  assert.equal(await page.textContent('#hub-cache-count'), '0');
  await context.close();
});

test('markup in a searched id or a Hub answer is shown as text', async () => {
  const page = await hubPage();
  await page.goto(link('task=inference'));
  await ready(page);
  await page.fill('#model', '<img src=x onerror=alert(1)>/x');
  await page.press('#model', 'Enter');
  assert.match(await waitStatus(page, /is not a Hugging Face model id/), /<img src=x/);
  assert.equal(await page.$('#model-box img'), null);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('<vramfit-estimate model=... endpoint=...> loads the repo and its exact bytes', async () => {
  const page = await hubPage();
  await page.goto(`${server.base}/tests/web/widget.html`);
  await page.waitForFunction(() => window.vramfitEvents.some((e) => e.id === 'a'));
  await page.evaluate((ep) => {
    const el = document.createElement('vramfit-estimate');
    el.id = 'hub';
    el.setAttribute('model', 'tiny/llama');
    el.setAttribute('endpoint', ep);
    el.setAttribute('task', 'inference');
    document.body.append(el);
  }, hub);
  await page.waitForFunction(() => window.vramfitEvents.some((e) => e.id === 'hub'));
  const [ev] = await page.evaluate(() => window.vramfitEvents.filter((e) => e.id === 'hub'));
  assert.equal(ev.type, 'vramfit-result', JSON.stringify(ev.detail).slice(0, 300));
  assert.equal(ev.detail.weights_format.rule, 'checkpoint_headers');
  assert.equal(ev.detail.components.find((c) => c.id === 'weights').bytes, TINY_BF16_BYTES);
  assert.equal(ev.detail.params.total, TINY_PARAMS);
  await page.context().close();
});

test('the offline single file (file://, Origin null) loads a repo from the endpoint too', async (t) => {
  const file = path.join(root, 'build-wasm/vramfit.html');
  if (!existsSync(file)) return t.skip(`${file} not built (scripts/build-single.sh)`);
  const page = await hubPage();
  await page.goto(
    `${pathToFileURL(file).href}?model=tiny/llama&task=inference&endpoint=${encodeURIComponent(hub)}`,
  );
  await ready(page);
  await waitStatus(page, /from 127\.0\.0\.1/);
  assert.equal(await componentBytes(page, 'weights'), TINY_BF16_BYTES);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('anonymous header reads need no CORS preflight, even after the redirect to the CDN', async () => {
  // Only "bytes=a-b" ranges are CORS-safelisted; anything else is preflighted,
  // and the Hub's Xet CDN has been reported to fail preflights
  // (huggingface/datasets#7931). Without a token nothing may need one.
  const page = await hubPage();
  await hubLog();
  await page.goto(link('model=tiny/llama-lfs&task=inference'));
  await ready(page);
  await waitStatus(page, /safetensors headers of 1 file from /);
  assert.equal(await componentBytes(page, 'weights'), TINY_BF16_BYTES);
  const log = await hubLog();
  assert.ok(
    log.some((r) => r.host === cdn && r.range),
    'the header came from the CDN host',
  );
  assert.deepEqual(
    log.filter((r) => r.method === 'OPTIONS').map((r) => `${r.host} ${r.path}`),
    [],
  );
  for (const r of log.filter((x) => x.range)) assert.match(r.range, /^bytes=\d+-\d+$/);
  await page.context().close();
});
