// Where the wasm build under test lives, and how to instantiate it in Node
// (the factory is built for web,worker: Node needs wasmBinary passed in).
// Shared by the module tests; not a test file itself.
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// VRAMFIT_WASM_DIR points at another build's output (default web/gen/).
const genDir = process.env.VRAMFIT_WASM_DIR ?? path.join(root, 'web/gen');
const wasmPath = path.join(genDir, 'vramfit.wasm');
const modPath = path.join(genDir, 'vramfit.mjs');
export const built = existsSync(wasmPath) && existsSync(modPath);
export const SKIP = built
  ? false
  : 'wasm build absent (web/gen/vramfit.{mjs,wasm}); run scripts/build-wasm.sh';

/**
 * A fresh instance of the raw embind module, handed every preset's config
 * (the module embeds only the default one; web/gen/presets.json).
 */
export async function loadModule() {
  const {default: createVramfit} = await import(pathToFileURL(modPath).href);
  const mod = await createVramfit({wasmBinary: readFileSync(wasmPath)});
  const presets = path.join(genDir, 'presets.json');
  if (existsSync(presets)) mod.addDataJson(readFileSync(presets, 'utf8'));
  return mod;
}
