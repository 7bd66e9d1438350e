// Writes web/gen/snapshot.json: the default page's catalogue and its first
// answer, computed here by the freshly built wasm module (the same core the
// page runs), so the page paints that answer before it downloads the module
// (web/js/main.js). The page uses it only when its own request, built from
// the form, is byte-for-byte the request recorded here; it then recomputes
// with the module once that is in, so a stale snapshot lasts one frame.
// The same answer's headline is written into <web dir>/index.html, rendered
// by the page's own view (web/js/view-summary.js, on linkedom's DOM), so the
// plain page's first frame already carries the figure: no script runs
// before it. The page's CSP gets the hash of its one inline script.
//   node scripts/snapshot.mjs [web dir] [out]
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {loadEngine} from '../web/js/engine.js';
import {initialState, pageDefaults, stateToRequest} from '../web/js/fields.js';
import {prerenderPage} from './prerender.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.resolve(process.argv[2] ?? path.join(root, 'web'));
const out = path.resolve(process.argv[3] ?? path.join(webDir, 'gen/snapshot.json'));

// As the page starts: only the default preset's config in the module. The
// catalogue carries every preset's parameter counts, computed here once, so
// the page labels its presets without the module's count of them (~90 ms of
// main thread in Chromium, just when a visitor starts typing).
const engine = await loadEngine({
  wasmBinary: readFileSync(path.join(webDir, 'gen/vramfit.wasm')),
  presets: 'lazy',
});
await engine.loadPresets();
const catalogText = JSON.stringify(engine.catalog({presetCounts: true}));
const catalog = JSON.parse(catalogText);
const state = initialState(catalog, {}, pageDefaults(catalog));
const {request, problems} = stateToRequest(state, catalog);
if (!request || problems.length) {
  console.error(`snapshot: the default state does not make a request: ${JSON.stringify(problems)}`);
  process.exit(1);
}
const requestText = JSON.stringify(request);
const response = engine.estimate(requestText);
writeFileSync(
  out,
  JSON.stringify({
    version: engine.version,
    request: requestText,
    catalog: catalogText,
    response: JSON.stringify(response),
  }),
);
console.log(`snapshot: ${path.relative(root, out)} (v${engine.version}, request ${requestText})`);

const indexPath = path.join(webDir, 'index.html');
const page = await prerenderPage(readFileSync(indexPath, 'utf8'), response, catalog);
writeFileSync(indexPath, page);
console.log(`snapshot: ${path.relative(root, indexPath)} (prerendered answer, CSP hash)`);
