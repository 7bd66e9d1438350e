// Static guards for the page's safety rules: no HTML parsing of data (no
// innerHTML & co.), no inline handlers, inline scripts only by hash, a
// strict CSP.
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
const jsFiles = readdirSync(path.join(web, 'js')).filter((f) => f.endsWith('.js'));

test('no module uses an HTML sink or dynamic code', () => {
  const sinks =
    /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\s*\(|new Function\s*\(|setAttribute\(\s*['"]on/;
  for (const f of jsFiles) {
    const src = readFileSync(path.join(web, 'js', f), 'utf8');
    assert.doesNotMatch(src, sinks, `web/js/${f}`);
  }
});

test('only engine.js imports the wasm factory', () => {
  for (const f of jsFiles) {
    const src = readFileSync(path.join(web, 'js', f), 'utf8');
    assert.equal(/gen\/vramfit\.mjs/.test(src), f === 'engine.js', `web/js/${f}`);
  }
});

test('index.html: strict CSP, inline script only by its hash, no handler, data: favicon', () => {
  const html = readFileSync(path.join(web, 'index.html'), 'utf8');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  // One inline script (the head one: marks a link with settings and the
  // prerendered answer's first frame), allowed by its sha256 and nothing
  // broader; no HTML sink in it.
  const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(inline.length, 1, 'one inline script');
  assert.doesNotMatch(inline[0], /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval/);
  const sha = (t) => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;
  assert.match(
    csp,
    new RegExp(
      `script-src 'self' ${sha(inline[0]).replace(/[+/]/g, '\\$&')} 'wasm-unsafe-eval'(;|$)`,
    ),
  );
  // https: for the Hub, its CDN and mirrors; plain http only to this machine
  // (a local mirror, the test suite's mock Hub).
  assert.match(
    csp,
    /connect-src 'self' https: http:\/\/127\.0\.0\.1:\* http:\/\/localhost:\*(;|$)/,
  );
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  assert.match(csp, /object-src 'none'/);
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    if (m[1].trim()) assert.equal(m[2].trim(), '', 'a script with a src has no body');
  }
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler');
  assert.match(html, /<link rel="icon" href="data:,">/);
});

test('index.html loads the bundled app only; the wasm is not requested before the first figure', () => {
  const html = readFileSync(path.join(web, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b[^>]*src="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(scripts, ['gen/app.mjs']);
  // The glue is inside the bundle (scripts/bundle-app.mjs); main.js asks for
  // the wasm after painting the snapshot (or at once for a link with settings).
  assert.doesNotMatch(html, /modulepreload/);
  assert.doesNotMatch(html, /<link[^>]*vramfit\.wasm/);
});

test('the bundle holds every module of the page, in dependency order, minified', async () => {
  const {bundleApp} = await import('../../scripts/bundle-app.mjs');
  const {code, modules} = await bundleApp(web, {snapshot: false});
  const seen = new Set();
  const visit = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    const src = readFileSync(path.join(web, 'js', f), 'utf8');
    for (const m of src.matchAll(/^import [^;]*? from '\.\/([\w-]+\.js)';/gms)) visit(m[1]);
  };
  visit('main.js');
  // The wasm factory (Emscripten's glue) is bundled in too; nothing is imported.
  assert.ok(modules.includes('gen/vramfit.mjs'), 'the glue is in the bundle');
  assert.deepEqual(
    modules
      .filter((m) => m !== 'gen/vramfit.mjs')
      .map((m) => m.replace('js/', ''))
      .sort(),
    [...seen].sort(),
  );
  assert.equal(modules.at(-1), 'js/main.js', 'main.js runs last');
  assert.deepEqual(
    [...code.matchAll(/\bimport\s*(?:\w+\s*from\s*)?["']([^"']+)["']/g)].map((m) => m[1]),
    [],
  );
  assert.doesNotMatch(code, /\bexport\s*[{*]|^export /m);
  // Minified: the served bundle is a fraction of its sources (issue 14: bytes before the first figure).
  const sources = modules.reduce((n, m) => n + readFileSync(path.join(web, m), 'utf8').length, 0);
  assert.ok(code.length < sources * 0.6, `bundle ${code.length} B vs sources ${sources} B`);
  // The served bundle adds the default page's snapshot, as one string.
  const served = (await bundleApp(web)).code;
  assert.ok(served.length > code.length);
  assert.ok(served.includes('{"version":"'), 'the snapshot is in the served bundle');
});
