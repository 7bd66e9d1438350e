// The browser's Hub client (web/js/hub.js, hub-headers.js, hub-model.js,
// hub-cache.js, hub-token.js) with fetch replaced by a scripted fake, and
// pasted-config parsing (web/js/config-text.js). The page against a real
// HTTP mock Hub is tests/web/hub.test.mjs.
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {ConfigError, lineColumn, parseConfigText} from '../../web/js/config-text.js';
import {createHubCache} from '../../web/js/hub-cache.js';
import {readSafetensors} from '../../web/js/hub-headers.js';
import {hubKey, loadHubModel} from '../../web/js/hub-model.js';
import {createTokenStore} from '../../web/js/hub-token.js';
import {
  checkModelId,
  checkRevision,
  createHub,
  HubError,
  normalizeEndpoint,
} from '../../web/js/hub.js';
import {loadEngine} from '../../web/js/engine.js';
import {loadModule, SKIP} from './wasm-build.mjs';

test('lineColumn is 1-based', () => {
  assert.deepEqual(lineColumn('ab\ncd', 0), {line: 1, column: 1});
  assert.deepEqual(lineColumn('ab\ncd', 4), {line: 2, column: 2});
});

test('malformed JSON reports line and column', () => {
  const text = '{\n  "hidden_size": 4096,\n  "num_layers": 32,,\n}';
  assert.throws(
    () => parseConfigText(text),
    (e) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.kind, 'invalid_json');
      assert.equal(e.line, 3);
      assert.ok(e.column > 1);
      assert.match(e.message, /line 3, column \d+/);
      return true;
    },
  );
  assert.throws(
    () => parseConfigText('{\n "a": 1'),
    (e) => e.line === 2,
  );
  assert.throws(
    () => parseConfigText('[1,2]'),
    (e) => e.kind === 'not_object',
  );
  assert.throws(
    () => parseConfigText('null'),
    (e) => e.kind === 'not_object',
  );
});

test('model ids, revisions and endpoints are checked as the Hub tools check them', () => {
  assert.equal(checkModelId(' Qwen/Qwen3-8B '), 'Qwen/Qwen3-8B');
  assert.equal(checkModelId('gpt2'), 'gpt2');
  for (const bad of [
    'a/b/c',
    '../x',
    'org/-x',
    'org/a--b',
    'org/a..b',
    '<script>/x',
    'org/' + 'a'.repeat(97),
    '',
  ])
    assert.throws(
      () => checkModelId(bad),
      (e) => e instanceof HubError && e.kind === 'bad_id',
      bad,
    );
  assert.equal(checkRevision(''), 'main');
  assert.equal(checkRevision('refs/pr/12'), 'refs/pr/12');
  assert.equal(
    checkRevision('0123456789abcdef0123456789abcdef01234567'),
    '0123456789abcdef0123456789abcdef01234567',
  );
  for (const bad of ['../main', '/abs', 'a b', 'x?y'])
    assert.throws(() => checkRevision(bad), HubError, bad);
  assert.equal(normalizeEndpoint(''), 'https://huggingface.co');
  assert.equal(normalizeEndpoint('https://hf-mirror.com/'), 'https://hf-mirror.com');
  assert.equal(normalizeEndpoint('http://127.0.0.1:9000/hub//'), 'http://127.0.0.1:9000/hub');
  for (const bad of [
    'ftp://x',
    'javascript:alert(1)',
    'https://user:pw@x.org',
    'https://x.org/?a=1',
    'not a url',
  ])
    assert.throws(
      () => normalizeEndpoint(bad),
      (e) => e.kind === 'bad_endpoint',
      bad,
    );
});

/** A scripted fetch: `answer(url, init)` returns a Response or throws; every call is recorded. */
function fakeFetch(answer) {
  const calls = [];
  const fn = async (url, init = {}) => {
    calls.push({url: String(url), headers: {...(init.headers ?? {})}, mode: init.mode});
    return answer(String(url), init);
  };
  fn.calls = calls;
  return fn;
}

const EP = 'http://127.0.0.1:9000';

test('URLs follow the Hub layout and the token goes to the endpoint only', async () => {
  const fetchFn = fakeFetch((url, init) => {
    if (init.mode === 'no-cors') return new Response(null, {status: 200});
    if (url.includes('/api/models?')) return Response.json([{id: 'org/a b', downloads: 5}]);
    if (url.includes('/api/models/'))
      return Response.json({sha: 'abc', siblings: [{rfilename: 'config.json'}]});
    if (url.endsWith('config.json')) return new Response('{"model_type":"llama"}');
    return new Response(new Uint8Array(8), {status: 206});
  });
  const hub = createHub({endpoint: `${EP}/`, token: 'hf_secret', fetchFn});
  await hub.search('qwen 3');
  await hub.info('org/a b', 'refs/pr/1');
  await hub.json('org/a b', 'v 1', 'config.json');
  await hub.bytes('org/name', 'main', 'sub dir/model.safetensors', 0, 7);
  assert.deepEqual(
    fetchFn.calls.map((c) => c.url),
    [
      `${EP}/api/models?search=qwen+3&limit=8&sort=downloads&direction=-1`,
      `${EP}/api/models/org/a%20b/revision/refs%2Fpr%2F1`,
      `${EP}/org/a%20b/resolve/v%201/config.json`,
      `${EP}/org/name/resolve/main/sub%20dir/model.safetensors`,
    ],
  );
  for (const c of fetchFn.calls) assert.equal(c.headers.Authorization, 'Bearer hf_secret');
  assert.equal(fetchFn.calls[3].headers.Range, 'bytes=0-7');

  const anon = fakeFetch(() => Response.json([]));
  await createHub({endpoint: EP, fetchFn: anon}).search('x');
  assert.equal(anon.calls[0].headers.Authorization, undefined);
});

const statusCases = [
  // [status, headers, kind, message pattern, with token?]
  [401, {'X-Error-Code': 'GatedRepo'}, 'unauthorized', /gated or private.*Access token/, false],
  [403, {}, 'unauthorized', /token has no access/, true],
  [404, {'X-Error-Code': 'RepoNotFound'}, 'not_found', /No model repository.*Check the id/, false],
  [
    401,
    {'X-Error-Code': 'RepoNotFound'},
    'not_found',
    /No public model repository.*if it is private, add an access token/,
    false,
  ],
  [401, {'X-Error-Code': 'RepoNotFound'}, 'unauthorized', /token has no access/, true],
  [404, {'X-Error-Code': 'RevisionNotFound'}, 'no_revision', /Revision not found/, false],
  [404, {'X-Error-Code': 'EntryNotFound'}, 'no_file', /not found/, false],
  [429, {'Retry-After': '30'}, 'rate_limited', /retry after 30 s/, false],
  [503, {}, 'server_error', /Retry in a few minutes/, false],
  [418, {}, 'http', /Unexpected HTTP 418/, false],
];

test('each HTTP failure is classified with a way forward', async () => {
  for (const [status, headers, kind, re, withToken] of statusCases) {
    const hub = createHub({
      endpoint: EP,
      token: withToken ? 't' : '',
      fetchFn: async () => new Response('x', {status, headers}),
    });
    await assert.rejects(hub.json('org/name', 'main', 'config.json'), (e) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.kind, kind, `${status}`);
      assert.match(e.message, re);
      assert.doesNotMatch(e.message, /hf_|Bearer/);
      return true;
    });
  }
});

test('a network failure is told apart: CORS (server answered) vs unreachable', async () => {
  const cors = fakeFetch((url, init) => {
    if (init.mode === 'no-cors') return new Response(null, {status: 200});
    throw new TypeError('Failed to fetch');
  });
  await assert.rejects(
    createHub({endpoint: EP, token: 't', fetchFn: cors}).json('o/n', 'main', 'config.json'),
    (e) => e.kind === 'cors' && /CORS/.test(e.message) && /paste/.test(e.message),
  );
  assert.equal(cors.calls[1].mode, 'no-cors');
  assert.equal(cors.calls[1].headers.Authorization, undefined, 'the probe carries no token');

  const down = fakeFetch(() => {
    throw new TypeError('Failed to fetch');
  });
  await assert.rejects(
    createHub({endpoint: EP, fetchFn: down}).json('o/n', 'main', 'config.json'),
    (e) =>
      e.kind === 'unreachable' && /Cannot reach 127\.0\.0\.1:9000/.test(e.message) && e.retryable,
  );
});

test('a slow answer times out; a cut-off body is truncated; HTML is invalid', async () => {
  const never = (url, init) =>
    new Promise((_, reject) =>
      init.signal.addEventListener('abort', () => reject(init.signal.reason)),
    );
  await assert.rejects(
    createHub({endpoint: EP, fetchFn: never, timeoutMs: 30}).json('o/n', 'main', 'config.json'),
    (e) => e.kind === 'timeout' && /within 0\.03 s/.test(e.message),
  );

  const cut = async () =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"model_'));
          c.error(new TypeError('network error'));
        },
      }),
    );
  await assert.rejects(
    createHub({endpoint: EP, fetchFn: cut}).json('o/n', 'main', 'config.json'),
    (e) => e.kind === 'truncated' && /cut off/.test(e.message),
  );

  const html = async () => new Response('<html><body>Sign in to the Wi-Fi</body></html>');
  await assert.rejects(
    createHub({endpoint: EP, fetchFn: html}).json('o/n', 'main', 'config.json'),
    (e) => e.kind === 'invalid' && /captive portal/.test(e.message),
  );
});

test('a caller abort is passed through, not reported as a failure', async () => {
  const never = (url, init) =>
    new Promise((_, reject) =>
      init.signal.addEventListener('abort', () => reject(init.signal.reason)),
    );
  const c = new AbortController();
  const p = createHub({endpoint: EP, fetchFn: never}).json('o/n', 'main', 'config.json', {
    signal: c.signal,
  });
  c.abort(new DOMException('superseded', 'AbortError'));
  await assert.rejects(p, (e) => e.name === 'AbortError');
});

test('range reads: 206 slices, a 200 that ignored Range, and short files', async () => {
  const file = Uint8Array.from({length: 100}, (_, i) => i);
  const ranged = async (url, init) => {
    const [a, b] = /bytes=(\d+)-(\d+)/.exec(init.headers.Range).slice(1).map(Number);
    return new Response(file.slice(a, b + 1), {status: 206});
  };
  assert.deepEqual(
    [...(await createHub({endpoint: EP, fetchFn: ranged}).bytes('o/n', 'main', 'f', 10, 12))],
    [10, 11, 12],
  );
  const whole = async () => new Response(file, {status: 200});
  assert.deepEqual(
    [...(await createHub({endpoint: EP, fetchFn: whole}).bytes('o/n', 'main', 'f', 10, 12))],
    [10, 11, 12],
  );
  const hub = createHub({endpoint: EP, fetchFn: ranged});
  await assert.rejects(hub.bytes('o/n', 'main', 'f', 90, 199), (e) => e.kind === 'truncated');
  assert.equal((await hub.bytes('o/n', 'main', 'f', 90, 199, {allowShort: true})).length, 10);
});

test('search results keep id, downloads, task and gated', async () => {
  const hub = createHub({
    endpoint: EP,
    fetchFn: async () =>
      Response.json([
        {id: 'a/b', downloads: 10, likes: 1, pipeline_tag: 'text-generation', gated: 'manual'},
        {notAnId: true},
        {id: 'c/d'},
      ]),
  });
  assert.deepEqual(await hub.search('a'), [
    {id: 'a/b', downloads: 10, pipeline_tag: 'text-generation', gated: true},
    {id: 'c/d', downloads: null, pipeline_tag: '', gated: false},
  ]);
});

/** A Storage-like object in memory. */
function memoryStore() {
  const m = new Map();
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => m.set(k, String(v)),
    removeItem: (k) => m.delete(k),
    raw: m,
  };
}

test('the cache is bounded, survives a reload, and keeps token-fetched entries in memory only', () => {
  const store = memoryStore();
  const cache = createHubCache(store);
  for (let i = 0; i < 45; i += 1) cache.set(`k${i}`, {config: {i}});
  const again = createHubCache(store); // a reload
  assert.equal(again.size(), 40, 'at most 40 entries');
  assert.deepEqual(again.get('k44').config, {i: 44});
  cache.set('private', {config: {secret: 1}}, {persist: false});
  assert.deepEqual(cache.get('private').config, {secret: 1});
  assert.equal(createHubCache(store).get('private'), undefined, 'not on disk');
  const big = {config: {blob: 'x'.repeat(400_000)}};
  for (let i = 0; i < 5; i += 1) cache.set(`big${i}`, big);
  assert.ok(store.getItem('vramfit.hub.v1').length <= 1_500_000, 'character budget kept');
  cache.clear();
  assert.equal(createHubCache(store).size(), 0);
});

test('the token stays in memory unless remembered, and can be forgotten', () => {
  const store = memoryStore();
  const t = createTokenStore(store);
  t.set('hf_abc');
  assert.equal(t.get(), 'hf_abc');
  assert.equal(store.raw.size, 0, 'nothing stored without "remember"');
  t.set('hf_abc', {remember: true});
  assert.equal(createTokenStore(store).get(), 'hf_abc');
  t.forget();
  assert.equal(createTokenStore(store).get(), '');
  assert.equal(store.raw.size, 0);
});

test('hubKey', () => {
  assert.equal(hubKey({model: 'o/n'}), 'https://huggingface.co|o/n|main|');
  assert.equal(
    hubKey({model: 'o/n', endpoint: 'http://h:1/', revision: 'v1', gguf_file: 'a.gguf'}),
    'http://h:1|o/n|v1|a.gguf',
  );
});

test("the default GGUF file is the core plan's", {skip: SKIP}, async () => {
  const engine = await loadEngine({factory: async () => loadModule()});
  assert.equal(
    engine.checkpointPlan({files: ['m-Q8_0.gguf', 'm-Q4_K_M.gguf', 'm-F16.gguf']}).gguf_file,
    'm-Q4_K_M.gguf',
  );
  assert.equal(engine.checkpointPlan({files: ['m-F16.gguf']}).gguf_file, 'm-F16.gguf');
});

// Real safetensors bytes parsed by the real core (wasm): two shards behind
// an index. Hand sum: a = 2x3 BF16 = 12 B, b = 4 F32 = 16 B, c = 8 I8 = 8 B.
function safetensors(tensors) {
  const header = {};
  let off = 0;
  for (const [name, dtype, shape, size] of tensors) {
    const n = shape.reduce((x, y) => x * y, 1) * size;
    header[name] = {dtype, shape, data_offsets: [off, off + n]};
    off += n;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

test(
  'safetensors headers of a sharded repo add up to the exact stored bytes',
  {skip: SKIP},
  async () => {
    const engine = await loadEngine({factory: async () => loadModule()});
    const files = {
      'model.safetensors.index.json': new TextEncoder().encode(
        JSON.stringify({
          metadata: {total_size: 36},
          weight_map: {
            a: 'model-00001-of-00002.safetensors',
            b: 'model-00001-of-00002.safetensors',
            c: 'model-00002-of-00002.safetensors',
          },
        }),
      ),
      'model-00001-of-00002.safetensors': safetensors([
        ['a', 'BF16', [2, 3], 2],
        ['b', 'F32', [4], 4],
      ]),
      'model-00002-of-00002.safetensors': safetensors([['c', 'I8', [8], 1]]),
    };
    const ranges = [];
    const fetchFn = async (url, init) => {
      const name = decodeURIComponent(url.split('/resolve/main/')[1]);
      const body = files[name];
      if (!body) return new Response('', {status: 404, headers: {'X-Error-Code': 'EntryNotFound'}});
      if (!init.headers.Range) return new Response(body);
      const [a, b] = /bytes=(\d+)-(\d+)/.exec(init.headers.Range).slice(1).map(Number);
      ranges.push(`${name} ${a}-${b}`);
      return new Response(body.slice(a, b + 1), {status: 206});
    };
    const hub = createHub({endpoint: EP, fetchFn});
    const r = await readSafetensors(
      hub,
      engine,
      'o/n',
      'main',
      engine.checkpointPlan({files: Object.keys(files)}),
    );
    assert.equal(r.summary.total_bytes, 12 + 16 + 8);
    assert.equal(r.summary.params, 6 + 4 + 8);
    assert.deepEqual(r.summary.bytes_by_dtype, {BF16: 12, F32: 16, I8: 8});
    assert.equal(r.index_total_size, 36);
    assert.deepEqual(r.files, [
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    for (const x of ranges)
      assert.match(
        x,
        /^model-0000\d-of-00002\.safetensors (0-7|8-\d+)$/,
        'only header bytes are read',
      );

    // The whole load: config.json + headers -> {config, checkpoint}.
    files['config.json'] = new TextEncoder().encode('{"model_type":"llama"}');
    const info = {siblings: Object.keys(files).map((f) => ({rfilename: f})), sha: 'f'.repeat(40)};
    const withInfo = async (url, init) =>
      url.includes('/api/models/') ? Response.json(info) : fetchFn(url, init);
    const entry = await loadHubModel(createHub({endpoint: EP, fetchFn: withInfo}), engine, {
      id: 'o/n',
    });
    assert.deepEqual(entry.config, {model_type: 'llama'});
    assert.deepEqual(entry.checkpoint, {total_bytes: 36, source: 'safetensors'});

    // A malformed header is reported, not thrown past the load.
    files['model-00002-of-00002.safetensors'] = new Uint8Array([
      255, 255, 255, 255, 255, 255, 255, 255,
    ]);
    const broken = await loadHubModel(createHub({endpoint: EP, fetchFn: withInfo}), engine, {
      id: 'o/n',
    });
    assert.equal(broken.checkpoint, undefined);
    assert.match(broken.header_note, /could not be read/);
  },
);

test(
  "the weights files are the core plan's: transformers, then mistral, then any top-level set",
  {skip: SKIP},
  async () => {
    const engine = await loadEngine({factory: async () => loadModule()});
    const pick = (files) => engine.checkpointPlan({files}).safetensors;
    assert.deepEqual(
      pick([
        'config.json',
        'model.safetensors.index.json',
        'model-00001-of-00002.safetensors',
        'consolidated.safetensors',
      ]),
      [{index: 'model.safetensors.index.json'}],
    );
    assert.deepEqual(pick(['params.json', 'consolidated.safetensors', 'original/x.safetensors']), [
      {files: ['consolidated.safetensors']},
    ]);
    assert.deepEqual(pick(['config.json', 'adapter_model.safetensors']), [
      {files: ['adapter_model.safetensors']},
    ]);
    assert.deepEqual(
      pick(['config.json', 'diffusion_pytorch_model.safetensors.index.json', 'a.safetensors']),
      [{index: 'diffusion_pytorch_model.safetensors.index.json'}],
    );
    assert.deepEqual(
      pick(['config.json', 'original/consolidated.00.pth', 'sub/model.safetensors']),
      [],
    );
    // Without a listing, the usual names in order (as the CLI tries them).
    assert.deepEqual(engine.checkpointPlan({}).safetensors, [
      {index: 'model.safetensors.index.json'},
      {files: ['model.safetensors']},
      {files: ['consolidated.safetensors']},
    ]);
  },
);

test('split GGUF files: the plan names every part', {skip: SKIP}, async () => {
  const engine = await loadEngine({factory: async () => loadModule()});
  const files = [
    'm-Q4_K_M-00001-of-00003.gguf',
    'm-Q4_K_M-00002-of-00003.gguf',
    'm-Q4_K_M-00003-of-00003.gguf',
    'm-Q8_0.gguf',
  ];
  const plan = engine.checkpointPlan({files});
  assert.deepEqual(
    plan.gguf_files,
    ['m-Q4_K_M-00001-of-00003.gguf', 'm-Q8_0.gguf'],
    'later parts are not offered',
  );
  assert.deepEqual(plan.gguf_parts, files.slice(0, 3));
  assert.equal(plan.problem, null);
  assert.equal(
    engine.checkpointPlan({files: files.slice(1), gguf_file: files[0]}).problem,
    'gguf_file_missing',
  );
  assert.deepEqual(engine.checkpointPlan({gguf_file: 'Q4_K_M/m-00001-of-00002.gguf'}).gguf_parts, [
    'Q4_K_M/m-00001-of-00002.gguf',
    'Q4_K_M/m-00002-of-00002.gguf',
  ]);
  assert.throws(
    () => engine.checkpointPlan({gguf_file: '../x.gguf'}),
    (e) => e.field === 'gguf_file',
  );
});
