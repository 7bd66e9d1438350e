// The engine script of the single file and the widget (scripts/bundle-app.mjs
// engineScript) carries the wasm and the presets' configs packed; run in a
// bare context, its unpackers (web/js/inline-engine.js) must give back the
// very bytes the build packed: web/gen/vramfit.wasm and presetsJson's text.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import vm from 'node:vm';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
const wasmFile = path.join(web, 'gen/vramfit.wasm');

test(
  'the packed engine script unpacks to the built wasm and the presets, smaller than gzip',
  {skip: !existsSync(wasmFile) && 'web/gen/vramfit.wasm not built (scripts/build-wasm.sh)'},
  async () => {
    const {engineScript, presetsJson} = await import('../../scripts/bundle-app.mjs');
    const script = await engineScript(web);
    const context = vm.createContext({atob, TextDecoder});
    vm.runInContext(script, context);
    const wasm = readFileSync(wasmFile);
    assert.equal(typeof context.createVramfit, 'function', 'the glue is there');
    const unpacked = context.__vramfitEmbedded.wasm();
    assert.equal(unpacked.length, wasm.length);
    assert.ok(Buffer.from(unpacked).equals(wasm), 'same bytes as web/gen/vramfit.wasm');
    assert.equal(context.__vramfitEmbedded.presets(), presetsJson(web));
    // The reason for packing: fewer bytes than the zlib -9 gzip of the wasm
    // (base64 costs 4/3 raw, but gzip of the page gives most of it back).
    const {gzipSync} = await import('node:zlib');
    assert.ok(
      gzipSync(context.__vramfitPacked.wasm, {level: 9}).length <
        gzipSync(wasm, {level: 9}).length * 0.9,
    );
    // A damaged stream is an error that says so (the page shows it).
    context.__vramfitPacked.presets = context.__vramfitPacked.presets.slice(0, 4);
    assert.throws(
      () => context.__vramfitEmbedded.presets(),
      /The built-in presets' configs could not be unpacked \(truncated input\)/,
    );
  },
);
