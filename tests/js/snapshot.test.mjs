// The default page paints web/gen/snapshot.json (scripts/snapshot.mjs) before
// it has the wasm module: the snapshot must be what the module answers now,
// for the request the page builds from the catalogue's defaults.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {loadEngine} from '../../web/js/engine.js';
import {initialState, pageDefaults, stateToRequest} from '../../web/js/fields.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const snapPath = path.join(root, 'web/gen/snapshot.json');
let engine;
let snap;

before(async () => {
  engine = await loadEngine({
    wasmBinary: readFileSync(path.join(root, 'web/gen/vramfit.wasm')),
    presets: 'lazy',
  });
  assert.ok(existsSync(snapPath), 'web/gen/snapshot.json missing: run scripts/build-wasm.sh');
  snap = JSON.parse(readFileSync(snapPath, 'utf8'));
});

test('the snapshot is the module of this build: version and catalogue, preset counts included', async () => {
  assert.equal(snap.version, engine.version);
  const lite = engine.catalog({presetCounts: false});
  const other = await loadEngine({
    wasmBinary: readFileSync(path.join(root, 'web/gen/vramfit.wasm')),
  });
  const full = other.catalog({presetCounts: true});
  assert.deepEqual(JSON.parse(snap.catalog), full);
  // The counts are what the page would have asked the module for; the rest
  // is the catalogue the page starts with.
  assert.ok(full.presets.every((p) => p.params > 0));
  assert.deepEqual(
    {...full, presets: full.presets.map(({id, source}) => ({id, source}))},
    {...lite, presets: lite.presets.map(({id, source}) => ({id, source}))},
  );
});

test('the snapshot request is the page default request, and its answer the module’s', () => {
  const catalog = JSON.parse(snap.catalog);
  const {request, problems} = stateToRequest(
    initialState(catalog, {}, pageDefaults(catalog)),
    catalog,
  );
  assert.deepEqual(problems, []);
  assert.equal(snap.request, JSON.stringify(request));
  assert.ok(request.model?.preset, 'the default page estimates a preset');
  // The same request from the catalogue without the counts (a page whose
  // snapshot is from another build asks the module for that one).
  const lite = engine.catalog({presetCounts: false});
  const again = stateToRequest(initialState(lite, {}, pageDefaults(lite)), lite).request;
  assert.equal(JSON.stringify(again), snap.request);
  const live = engine.estimate(snap.request);
  assert.deepEqual(JSON.parse(snap.response), live);
  assert.ok(live.total_bytes > 0);
});
