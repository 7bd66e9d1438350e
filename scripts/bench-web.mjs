// Printed figures (not a test): bytes shipped, single file size, first figure
// painted on localhost (cold loads) and keypress to painted figure, in
// headless Chromium, plus engine.estimate() alone in Node.
//   node scripts/bench-web.mjs [single.html]
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';

import {launch, startServer} from '../tests/web/harness.mjs';
import {loadEngine} from '../web/js/engine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const single = path.resolve(root, process.argv[2] || 'build-wasm/vramfit.html');
const size = (files) => {
  const buf = Buffer.concat(files.map((f) => readFileSync(path.join(root, f))));
  return {raw: buf.length, gz: gzipSync(buf, {level: 9}).length};
};
const row = (label, s) =>
  console.log(
    `${label.padEnd(34)} ${String(s.raw).padStart(9)} B raw ${String(s.gz).padStart(8)} B gzip -9`,
  );

console.log('== bytes');
row('web/gen/vramfit.wasm', size(['web/gen/vramfit.wasm']));
row('web/gen/vramfit.mjs (glue)', size(['web/gen/vramfit.mjs']));
// The page loads its JS as one bundle (web/gen/app.mjs, scripts/bundle-app.mjs).
row('web/gen/app.mjs (bundled app JS)', size(['web/gen/app.mjs']));
row('web/index.html + css/style.css', size(['web/index.html', 'web/css/style.css']));
const page = size([
  'web/gen/vramfit.wasm',
  'web/gen/vramfit.mjs',
  'web/gen/app.mjs',
  'web/index.html',
  'web/css/style.css',
]);
row('page total (wasm+js+html+css)', page);
if (existsSync(path.join(root, 'web/gen/vramfit-widget.js')))
  row('web/gen/vramfit-widget.js (embed)', size(['web/gen/vramfit-widget.js']));
if (existsSync(single))
  row(`single file ${path.relative(root, single)}`, size([path.relative(root, single)]));

console.log('== engine in Node');
const engine = await loadEngine({
  wasmBinary: readFileSync(path.join(root, 'web/gen/vramfit.wasm')),
});
const preset =
  engine
    .catalog()
    .presets.map((p) => p.id)
    .find((id) => /Llama-3\.1-8B$/.test(id)) ?? engine.catalog().presets[0].id;
for (const [label, req] of [
  ['inference, default', {model: {preset}}],
  ['qlora b4 s2048', {model: {preset}, task: 'qlora', batch_size: 4, seq_len: 2048}],
  ['inference, search off', {model: {preset}, search: false}],
]) {
  const n = 200;
  engine.estimate(req);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1) engine.estimate(req);
  console.log(
    `estimate ${label.padEnd(24)} ${((performance.now() - t0) / n).toFixed(3)} ms/call (${
      n
    } calls)`,
  );
}

console.log('== Chromium, localhost');
// Cold loads: a new browser context each (empty cache), the page served from
// 127.0.0.1. "First figure painted" is navigation start -> the first frame
// after the total is in the DOM (web/js/main.js marks vramfit-first-paint from
// a timeout queued in that frame's requestAnimationFrame callback, which runs
// once the frame is out). "Keypress to paint": a real key press (ArrowUp in
// the batch field: keydown, input, recompute, render) from the keydown's
// timestamp to the same after-frame point.
const LOADS = Number(process.env.BENCH_WEB_LOADS ?? 15);
const KEYS = Number(process.env.BENCH_WEB_KEYS ?? 40);
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return `median ${med.toFixed(1)} ms, min ${s[0].toFixed(1)}, max ${s.at(-1).toFixed(1)} (n=${s.length})`;
};
const server = await startServer();
const browser = await launch();
try {
  const dom = [];
  const paint = [];
  const keys = [];
  for (let i = 0; i < LOADS; i += 1) {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${server.base}/web/index.html`);
    await p.waitForSelector('body[data-ready="true"]');
    await p.waitForFunction(() => performance.getEntriesByName('vramfit-first-paint').length > 0);
    const t = await p.evaluate(() => ({
      dom: performance.getEntriesByName('vramfit-first-result')[0].startTime,
      paint: performance.getEntriesByName('vramfit-first-paint')[0].startTime,
    }));
    dom.push(t.dom);
    paint.push(t.paint);
    if (i === LOADS - 1) {
      await p.focus('#f-batch_size');
      for (let k = 0; k < KEYS; k += 1) {
        // The listener is in place before the key is pressed.
        await p.evaluate(() => {
          const input = document.getElementById('f-batch_size');
          window.__benchKey = new Promise((resolve) => {
            input.addEventListener(
              'keydown',
              (e) => {
                const t0 = e.timeStamp;
                requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
              },
              {once: true},
            );
          });
        });
        await p.keyboard.press(k % 2 ? 'ArrowDown' : 'ArrowUp');
        keys.push(await p.evaluate(() => window.__benchKey));
      }
    }
    await ctx.close();
  }
  console.log(`first figure in the DOM (navigation start ->)  ${stats(dom)}`);
  console.log(`first figure painted (navigation start ->)     ${stats(paint)}`);
  console.log(`keypress to painted figure (batch field)        ${stats(keys)}`);
} finally {
  await browser.close();
  server.stop();
}
