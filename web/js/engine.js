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

/**
 * Instantiates the wasm module. `options` go to the Emscripten factory
 * (Node tests pass { wasmBinary }); `options.factory` replaces the factory
 * (the offline single-file build passes the classic global one).
 */
export async function loadEngine(options = {}) {
  const {factory = createVramfit, ...moduleArgs} = options;
  const mod = await factory(moduleArgs);
  const catalogs = new Map(); // preset counts or not -> parsed catalogue
  const engine = {
    version: String(mod.version()),
    estimate(request) {
      const text = typeof request === 'string' ? request : JSON.stringify(request);
      return parseResponse(mod.estimateJson(text));
    },
    catalog({presetCounts = true} = {}) {
      const key = Boolean(presetCounts);
      if (!catalogs.has(key)) catalogs.set(key, parseResponse(mod.catalogJson(key)));
      return structuredClone(catalogs.get(key));
    },
    checkpointHeader(format, bytes, packedBits = 4) {
      return parseResponse(mod.checkpointHeaderJson(format, bytes, packedBits));
    },
    checkpointPlan(input) {
      return parseResponse(mod.checkpointPlanJson(JSON.stringify(input)));
    },
    configFile(text, what = 'config.json') {
      return parseResponse(mod.configFileJson(text, what)).config;
    },
  };
  // Pasted and fetched config.json texts that JSON.parse refuses get a
  // second reading by the core (Infinity / NaN literals, config-text.js).
  useCoreConfigParser((text) => engine.configFile(text));
  return engine;
}

let shared = null;
/** One engine per page, shared by the app and every <vramfit-estimate>. */
export function sharedEngine() {
  if (!shared) shared = loadEngine();
  return shared;
}
