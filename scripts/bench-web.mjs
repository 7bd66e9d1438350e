// Printed figures (not a test): bytes shipped, single file size, first figure
// painted on localhost (cold loads) and keypress to painted figure, in
// headless Chromium, plus engine.estimate() alone in Node.
//   node scripts/bench-web.mjs [single.html]
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {gzipSync} from 'node:zlib';

import {launch, spawnServer, startServer} from '../tests/web/harness.mjs';
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
// The page loads its JS (the app and the engine glue) as one bundle
// (web/gen/app.mjs, scripts/bundle-app.mjs).
row('web/gen/app.mjs (app JS + glue)', size(['web/gen/app.mjs']));
row('web/index.html + css/style.css', size(['web/index.html', 'web/css/style.css']));
// Each file gzip -9 on its own, as a server sends them. The default page
// paints its first figure from the snapshot in app.mjs (scripts/snapshot.mjs)
// and requests the wasm after that frame; a link with settings waits for it.
const firstLoad = ['web/gen/app.mjs', 'web/index.html', 'web/css/style.css']
  .map((f) => size([f]))
  .reduce((a, b) => ({raw: a.raw + b.raw, gz: a.gz + b.gz}));
row('before the first figure (sum)', firstLoad);
row('web/gen/vramfit.wasm (after it)', size(['web/gen/vramfit.wasm']));
if (existsSync(path.join(root, 'web/gen/presets.json')))
  row('web/gen/presets.json (after it)', size(['web/gen/presets.json']));
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
// once the frame is out; on the plain page, whose HTML carries the answer
// (scripts/prerender.mjs), index.html's head script marks it the same way).
// "Keypress to paint": a real key press (ArrowUp in
// the batch field: keydown, input, recompute, render) from the keydown's
// timestamp to the same after-frame point (two series, see KEY_SETTLE_MS).
// "First figure presented" is the total's Element Timing renderTime (the
// span carries elementtiming="total", web/js/view-summary.js): when the
// compositor put that frame on screen, after raster. In headless Chromium on
// a 2-core machine (software raster) it comes 70-110 ms after the frame-out
// mark; it is what a visitor sees. "First contentful paint" is the first
// frame presented; on the plain page every frame holds the prerendered
// total, and with the app script blocked FCP equals the total's Element
// Timing. With the script running, Chromium reports the prerendered total's
// entry later than FCP or not at all (the app's first render replaces that
// node with an equal one): for the plain page, FCP is the better figure.
const LOADS = Number(process.env.BENCH_WEB_LOADS ?? 15);
const KEYS = Number(process.env.BENCH_WEB_KEYS ?? 40);
// Keys come in two series on the last default load. "Right after load":
// back to back from the module's answer on, while Chromium still compiles
// the wasm (lazily on the main thread, optimizing in the background) and
// each key's below-the-fold render can still be running when the next key
// lands. "Page settled": after KEY_SETTLE_MS idle, one key every KEY_GAP_MS
// (a brisk typist's pace), as a visitor who has read the first answer edits.
const KEY_SETTLE_MS = 2000;
const KEY_GAP_MS = 150;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stats = (xs) =>
  `median ${median(xs).toFixed(1)} ms, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(
    ...xs,
  ).toFixed(1)} (n=${xs.length})`;
const server = await startServer();
const browser = await launch();
// Resolves once the page has set performance mark `name` (waited for from
// the page itself: Playwright's waitFor* helpers inject their ~50 ms utility
// script, which then runs inside the measured frame).
const markSeen = (p, name) =>
  p.evaluate(
    (m) =>
      new Promise((resolve) => {
        const seen = () => performance.getEntriesByName(m).length > 0;
        if (seen()) resolve();
        else
          new PerformanceObserver(() => seen() && resolve()).observe({
            type: 'mark',
            buffered: true,
          });
      }),
    name,
  );
try {
  // The plain page (first figure from the snapshot, then the module's own
  // answer) and a shared link with settings (first figure needs the module).
  const pages = [
    ['default page', '', true],
    ['link with settings (?task=qlora&gpu=4090)', '?task=qlora&gpu=4090', false],
  ];
  const keys = {early: [], settled: []};
  for (const [label, query, isDefault] of pages) {
    const dom = [];
    const paint = [];
    const presented = [];
    const fcp = [];
    const live = [];
    const split = {}; // point -> ms per load
    for (let i = 0; i < LOADS; i += 1) {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await p.addInitScript(() => {
        window.__vramfitPresented = new Promise((resolve) => {
          new PerformanceObserver((list) => {
            const e = list.getEntries().find((x) => x.identifier === 'total');
            if (e) resolve(e.renderTime || e.loadTime);
          }).observe({type: 'element', buffered: true});
        });
      });
      await p.goto(`${server.base}/web/index.html${query}`, {waitUntil: 'commit'});
      await markSeen(p, 'vramfit-first-paint');
      if (isDefault) await markSeen(p, 'vramfit-live');
      // Where the time goes: resource ends and the page's marks (web/js/main.js).
      const points = await p.evaluate(() => {
        const res = (f) =>
          performance.getEntriesByType('resource').find((e) => e.name.endsWith(f))?.responseEnd ??
          NaN;
        const mark = (m) => performance.getEntriesByName(`vramfit-${m}`)[0]?.startTime ?? NaN;
        return [
          ['html+css+app.mjs fetched', Math.max(res('app.mjs'), res('style.css'))],
          ['app script runs', mark('start')],
          ['catalogue parsed', mark('catalog')],
          ['form built', mark('form')],
          ['request built', mark('request')],
          ['estimate', mark('estimate')],
          ['views rendered (figure in DOM)', mark('first-result')],
          ['layout+paint (frame out)', mark('first-paint')],
          ['wasm fetched', res('vramfit.wasm')],
          ['wasm compiled+instantiated', mark('engine')],
          ["module's answer in the DOM", mark('live')],
        ];
      });
      for (const [name, at] of points) (split[name] ??= []).push(at);
      dom.push(points.find(([n]) => n.startsWith('views'))[1]);
      presented.push(await p.evaluate(() => window.__vramfitPresented));
      fcp.push(
        await p.evaluate(
          () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
        ),
      );
      paint.push(points.find(([n]) => n.startsWith('layout'))[1]);
      if (isDefault) live.push(points.find(([n]) => n.startsWith("module's"))[1]);
      if (isDefault && i === LOADS - 1) {
        await p.focus('#f-batch_size');
        const press = async (k) => {
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
          return p.evaluate(() => window.__benchKey);
        };
        for (let k = 0; k < KEYS; k += 1) keys.early.push(await press(k));
        await p.waitForTimeout(KEY_SETTLE_MS);
        for (let k = 0; k < KEYS; k += 1) {
          keys.settled.push(await press(k));
          await p.waitForTimeout(KEY_GAP_MS);
        }
      }
      await ctx.close();
    }
    console.log(`-- ${label}: point by point (median ms after navigation start)`);
    for (const [name, xs] of Object.entries(split)) {
      const seen = xs.filter((x) => !Number.isNaN(x));
      if (seen.length) console.log(`  ${name.padEnd(34)} ${median(seen).toFixed(1).padStart(7)}`);
    }
    console.log(`first figure in the DOM (navigation start ->)  ${stats(dom)}`);
    console.log(`first figure painted (navigation start ->)     ${stats(paint)}`);
    console.log(`first figure presented (Element Timing)        ${stats(presented)}`);
    console.log(`first contentful paint (presented)             ${stats(fcp)}`);
    if (live.length) console.log(`module's answer in the DOM                      ${stats(live)}`);
  }
  if (existsSync(single)) {
    // The offline file from file:// (cold loads): its first answer is in its
    // HTML; its engine is ready once the wasm is unpacked (LZMA in
    // JavaScript, web/js/inline-engine.js), compiled and instantiated.
    const ready = [];
    for (let i = 0; i < LOADS; i += 1) {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await p.goto(pathToFileURL(single).href, {waitUntil: 'commit'});
      await markSeen(p, 'vramfit-engine');
      ready.push(
        await p.evaluate(() => performance.getEntriesByName('vramfit-engine')[0].startTime),
      );
      await ctx.close();
    }
    console.log(`single file: engine ready (navigation start ->) ${stats(ready)}`);
  }
  console.log(`keypress to painted figure, right after load   ${stats(keys.early)}`);
  console.log(`keypress to painted figure, page settled       ${stats(keys.settled)}`);
  if (process.env.GPU_POOR_DIR) await againstGpuPoor(process.env.GPU_POOR_DIR);
} finally {
  await browser.close();
  server.stop();
}

/**
 * Issue 14's yardstick, only when GPU_POOR_DIR names a folder holding
 * gpu_poor's built site (github.com/RahulSChand/gpu_poor, its docs/ folder;
 * kept out of this repository) as gpu_poor/, which it expects to be served
 * under. Interleaved cold loads of the two pages in this run: vramfit's plain
 * page (its mark as above) against gpu_poor with a scripted user who, as
 * soon as the form and its bundled all_configs.json are in, types
 * meta-llama/Llama-2-7b-hf (listed there), a 1,024-token prompt and 1,024
 * tokens to generate (vramfit's default page: 2,048 tokens) and clicks "Find
 * Memory requirement"; its first figure
 * painted is the first frame out after its table's Total row is in the DOM
 * (the same rAF + timeout point). Requests off 127.0.0.1 (its analytics
 * script, Google Fonts' CSS import) are aborted for both, as offline.
 */
async function againstGpuPoor(dir) {
  const {port, proc} = await spawnServer(process.execPath, [
    path.join(root, 'scripts/static-server.mjs'),
    path.resolve(dir),
    '0',
  ]);
  const mine = [];
  const theirs = [];
  try {
    for (let i = 0; i < LOADS; i += 1) {
      for (const which of ['vramfit', 'gpu_poor']) {
        const ctx = await browser.newContext();
        await ctx.route(
          (url) => url.hostname !== '127.0.0.1',
          (r) => r.abort(),
        );
        const p = await ctx.newPage();
        if (which === 'vramfit') {
          await p.goto(`${server.base}/web/index.html`, {waitUntil: 'commit'});
          await markSeen(p, 'vramfit-first-paint');
          mine.push(
            await p.evaluate(
              () => performance.getEntriesByName('vramfit-first-paint')[0].startTime,
            ),
          );
        } else {
          await p.addInitScript(() => {
            let typed = false;
            const user = () => {
              const input = document.querySelector(
                'input[placeholder="e.g. meta-llama/Llama-2-7b-hf"]',
              );
              const button = [...document.querySelectorAll('button')].find((b) =>
                /Find Memory requirement/.test(b.textContent),
              );
              // Prompt and tokens to generate (placeholder "?"), which it needs.
              const lengths = document.querySelectorAll('input[placeholder="?"]');
              if (!input || !button || lengths.length < 2) return false;
              // React's controlled inputs: the native setter, then an input event.
              const type = (el, text) => {
                Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(
                  el,
                  text,
                );
                el.dispatchEvent(new Event('input', {bubbles: true}));
              };
              type(input, 'meta-llama/Llama-2-7b-hf');
              type(lengths[0], '1024');
              type(lengths[1], '1024');
              setTimeout(() => button.click(), 0); // once React has the typed value
              return true;
            };
            const figure = () =>
              [...document.querySelectorAll('td')].some(
                (td) =>
                  td.textContent.trim() === 'Total' &&
                  /[1-9]\d* MB/.test(td.nextElementSibling?.textContent ?? ''),
              );
            // Its click needs its bundled configs (a click before they are in
            // throws on a null cache): the user acts once they are.
            const configs = () =>
              performance
                .getEntriesByType('resource')
                .some((e) => e.name.endsWith('/all_configs.json') && e.responseEnd > 0);
            new PerformanceObserver(() => {
              if (!typed && configs()) setTimeout(() => (typed ||= user()), 0);
            }).observe({type: 'resource', buffered: true});
            const seen = new MutationObserver(() => {
              if (!typed && configs()) typed = user();
              else if (figure()) {
                seen.disconnect();
                requestAnimationFrame(() =>
                  setTimeout(() => performance.mark('gpu-poor-first-paint'), 0),
                );
              }
            });
            seen.observe(document, {childList: true, subtree: true, characterData: true});
          });
          await p.goto(`http://127.0.0.1:${port}/gpu_poor/`, {waitUntil: 'commit'});
          await markSeen(p, 'gpu-poor-first-paint');
          theirs.push(
            await p.evaluate(
              () => performance.getEntriesByName('gpu-poor-first-paint')[0].startTime,
            ),
          );
        }
        await ctx.close();
      }
    }
  } finally {
    proc.kill();
  }
  console.log('-- against gpu_poor, interleaved cold loads, external requests aborted');
  console.log(`vramfit first figure painted                  ${stats(mine)}`);
  console.log(`gpu_poor first figure painted (instant user)  ${stats(theirs)}`);
  console.log(
    `ratio of medians                              ${(median(mine) / median(theirs)).toFixed(2)}`,
  );
}
