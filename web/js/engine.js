// The only module that touches the Emscripten factory. Everything else sees
// plain objects: estimate(request) -> response, catalog() -> catalogue.
// Errors returned by the core ({"error": {...}}) become EstimatorError.
import createVramfit from '../gen/vramfit.mjs';
import {useCoreConfigParser} from './config-text.js';

/** An error response of the core, or a failure of the module itself. */
export class EstimatorError extends Error {
  /**
   * @param {string} code   stable error code (invalid_json, unknown_preset...)
   * @param {string} field  JSON path of the offending request field, or ''
   * @param {string} message human-readable text
   */
  constructor(code, field, message) {
    super(message);
    this.name = 'EstimatorError';
    this.code = code;
    this.field = field;
  }
}

function parseResponse(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new EstimatorError('internal', '', `engine returned invalid JSON: ${e.message}`);
  }
  if (value && typeof value === 'object' && value.error) {
    const {code = 'internal', field = '', message = 'unknown error'} = value.error;
    throw new EstimatorError(String(code), String(field ?? ''), String(message));
  }
  return value;
}

// The single file and the widget carry the wasm and the presets' configs
// packed (web/js/inline-engine.js); the served page and Node have neither.
const embedded = () => globalThis.__vramfitEmbedded ?? null;

// The presets' configs the module leaves out (core/CMakeLists.txt
// VRAMFIT_EMBED_PRESETS): inlined by the single file and the widget, else
// web/gen/presets.json next to the module (read from disk under Node).
async function presetsText() {
  if (embedded()) return embedded().presets();
  // Resolved here, not at load: an inline script (the single file) has no URL.
  const url = new URL('../gen/presets.json', import.meta.url);
  if (url.protocol === 'file:') {
    const fsName = 'node:fs/promises'; // not bundled: Node only
    return (await import(fsName)).readFile(url, 'utf8');
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status}`);
  return res.text();
}

/**
 * The served page's wasm (web/gen/vramfit.wasm, next to the bundle), fetched
 * here rather than by the glue so that a failed download says what failed
 * and what to do (the glue's words: "Aborted(both async and sync fetching of
 * the wasm failed)"). It streams into the compiler as the glue's own fetch
 * does, with the glue's fallback for a server that does not send
 * application/wasm. `failure` rejects when the download or the compile
 * fails: the factory, handed instantiateWasm, would wait for ever.
 */
function fetchedWasm() {
  let failed;
  const failure = new Promise((_, reject) => (failed = reject));
  const url = new URL('../gen/vramfit.wasm', import.meta.url);
  const lost = (why) =>
    Object.assign(
      new Error(
        `its engine (${url.pathname.split('/').pop()}) did not download (${why}): check the connection, then reload the page`,
      ),
      {forward: true},
    );
  const instantiateWasm = (imports, receive) => {
    fetch(url, {credentials: 'same-origin'})
      .then(
        (res) => {
          if (!res.ok) throw lost(`HTTP ${res.status}`);
          return WebAssembly.instantiateStreaming(res.clone(), imports).catch((e) =>
            e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError
              ? Promise.reject(e)
              : res.arrayBuffer().then((bytes) => WebAssembly.instantiate(bytes, imports)),
          );
        },
        (e) => {
          throw lost(e.message || 'no connection');
        },
      )
      .then((r) => receive(r.instance, r.module), failed);
    return {};
  };
  return {instantiateWasm, failure};
}

/**
 * Instantiates the wasm module. `options` go to the Emscripten factory
 * (Node tests pass { wasmBinary }); `options.factory` replaces the factory
 * (the offline single-file build passes the classic global one).
 * `options.presets`: 'eager' (default) resolves once every preset's config is
 * in; 'lazy' leaves that to engine.loadPresets() (the page, after its first
 * figure: only the default preset's config is in the module).
 */
export async function loadEngine(options = {}) {
  const {factory = createVramfit, presets = 'eager', ...moduleArgs} = options;
  const wasmBinary = moduleArgs.wasmBinary ?? embedded()?.wasm();
  const instantiate = () => {
    if (wasmBinary || typeof fetch !== 'function') return factory({...moduleArgs, wasmBinary});
    const {instantiateWasm, failure} = fetchedWasm();
    return Promise.race([factory({...moduleArgs, instantiateWasm}), failure]);
  };
  let mod = await instantiate();
  let presetsPromise = null;
  let presetsDone = false;
  let presetsData = null; // the presets' text, handed again to a restarted module
  // The core returns every input error as a value and has no exceptions; what
  // stops it (an abort: a bug, never bad input; core/README.md "Errors")
  // leaves the module unusable. The call that hit it gets an internal error,
  // and a new module takes over as soon as it is up.
  const call = (fn) => {
    if (!mod) {
      throw new EstimatorError(
        'internal',
        '',
        'the engine is restarting after an internal error: try again in a moment',
      );
    }
    try {
      return fn(mod);
    } catch (e) {
      if (e instanceof EstimatorError) throw e;
      mod = null;
      instantiate().then(
        (m) => {
          if (presetsData !== null) m.addDataJson(presetsData);
          mod = m;
        },
        () => {}, // the next call reports it: the engine stays down
      );
      throw new EstimatorError(
        'internal',
        '',
        `internal error in the engine (${e?.message ?? e}); it restarts: try again`,
      );
    }
  };
  // preset counts or not -> the core's text. Each call parses it anew: a
  // fresh object for the caller, and JSON.parse of the ~80 KB text is several
  // times quicker than structuredClone of the parsed object.
  const catalogs = new Map();
  const engine = {
    version: String(mod.version()),
    estimate(request) {
      const text = typeof request === 'string' ? request : JSON.stringify(request);
      return parseResponse(call((m) => m.estimateJson(text)));
    },
    catalog({presetCounts = true} = {}) {
      const key = Boolean(presetCounts);
      const text = catalogs.get(key) ?? call((m) => m.catalogJson(key));
      catalogs.set(key, text);
      return parseResponse(text);
    },
    checkpointHeader(format, bytes, packedBits = 4) {
      return parseResponse(call((m) => m.checkpointHeaderJson(format, bytes, packedBits)));
    },
    checkpointPlan(input) {
      return parseResponse(call((m) => m.checkpointPlanJson(JSON.stringify(input))));
    },
    configFile(text, what = 'config.json') {
      return parseResponse(call((m) => m.configFileJson(text, what))).config;
    },
    /** Whether `preset`'s config is in (or it is no preset: estimate says so). */
    presetLoaded(preset) {
      return presetsDone || Boolean(call((m) => m.presetLoaded(String(preset))));
    },
    /** Hands the module every preset's config (once; a failure may be retried). */
    loadPresets() {
      presetsPromise ??= presetsText().then(
        (text) => {
          parseResponse(call((m) => m.addDataJson(text)));
          presetsData = text;
          presetsDone = true;
        },
        (e) => {
          presetsPromise = null;
          throw e;
        },
      );
      return presetsPromise;
    },
  };
  // Pasted and fetched config.json texts that JSON.parse refuses get a
  // second reading by the core (Infinity / NaN literals, config-text.js).
  useCoreConfigParser((text) => engine.configFile(text));
  if (presets === 'eager') await engine.loadPresets();
  return engine;
}

let shared = null;
/** One engine per page, shared by the app and every <vramfit-estimate>; the first caller's `options` count. */
export function sharedEngine(options) {
  if (!shared) shared = loadEngine(options);
  return shared;
}
