// Printed figures (not a test): bytes shipped, single file size, time to
// first result on localhost and time per recompute, in headless Chromium,
// plus engine.estimate() alone in Node.
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
row('widget.js', size(['web/js/widget.js']));
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
const server = await startServer();
const browser = await launch();
try {
  const times = [];
  for (let i = 0; i < 5; i += 1) {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${server.base}/web/index.html`);
    await p.waitForSelector('body[data-ready="true"]');
    times.push(
      await p.evaluate(() => performance.getEntriesByName('vramfit-first-result')[0].startTime),
    );
    if (i === 4) {
      const per = await p.evaluate(async () => {
        const input = document.getElementById('f-batch_size');
        const n = 100;
        const t0 = performance.now();
        for (let k = 0; k < n; k += 1) {
          input.value = String((k % 16) + 1);
          input.dispatchEvent(new Event('input', {bubbles: true}));
        }
        const t1 = performance.now();
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        return {script: (t1 - t0) / n, n, renders: Number(document.body.dataset.renders)};
      });
      console.log(
        `recompute (input event -> DOM updated) ${per.script.toFixed(2)} ms each (${
          per.n
        } edits, synchronous)`,
      );
    }
    await ctx.close();
  }
  times.sort((a, b) => a - b);
  console.log(
    `time to first result (navigation start -> first render) median ${times[2].toFixed(
      0,
    )} ms, min ${times[0].toFixed(0)} ms (5 cold contexts)`,
  );
} finally {
  await browser.close();
  server.stop();
}
