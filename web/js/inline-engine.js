// The packed engine of the offline single file and the widget: their classic
// engine script (scripts/bundle-app.mjs engineScript) sets
// globalThis.__vramfitPacked = {wasm, presets}, each base64 of an LZMA
// stream, then runs this, bundled with Emscripten's glue. LZMA packs this
// module ~16 % smaller than zopfli's gzip did (166 KB against 198 KB); the
// decoder costs 3.4 KB. The served page never loads this file: it fetches
// web/gen/vramfit.wasm, which the server gzips. lzma1's entry pairs the
// decoder with its 58 KB encoder: bundle-app.mjs resolves these two paths to
// the package's own lib/ files.
import {Decoder} from 'lzma1/lib/decoder.js';
import {InputBuffer, OutputBuffer} from 'lzma1/lib/streams.js';

const packed = globalThis.__vramfitPacked;
const NAMES = {wasm: 'The built-in engine', presets: "The built-in presets' configs"};

/** Bytes from base64 of an LZMA stream ("LZMA alone": xz --format=lzma). */
function unpack(what) {
  const bytes = Uint8Array.from(atob(packed[what]), (c) => c.charCodeAt(0));
  const out = new OutputBuffer(bytes.length * 4);
  try {
    new Decoder().decompress(new InputBuffer(bytes), out);
  } catch (e) {
    throw Object.assign(
      new Error(`${NAMES[what]} could not be unpacked (${e.message}): download the page again`),
      {forward: true},
    );
  }
  return out.toArray();
}

// engine.js asks for these; each unpacks when called (the presets after the
// page's first figure).
globalThis.__vramfitEmbedded = {
  wasm: () => unpack('wasm'),
  presets: () => new TextDecoder().decode(unpack('presets')),
};
