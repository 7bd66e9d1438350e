// Pasted / fetched config.json texts with the Infinity and NaN literals the
// Hub serves (NVIDIA's Nemotron-H configs: "time_step_limit": [0.0, Infinity])
// are read by the core through the wasm binding (api.h config_file_json);
// JSON.parse refuses them.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {ConfigError, parseConfigText} from '../../web/js/config-text.js';
import {EstimatorError, loadEngine} from '../../web/js/engine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let engine;

before(async () => {
  engine = await loadEngine({wasmBinary: readFileSync(path.join(root, 'web/gen/vramfit.wasm'))});
});

test('configFile reads Infinity / -Infinity / NaN as 1e308 / -1e308 / null', () => {
  const c = engine.configFile('{"a": [0.0, Infinity], "b": -Infinity, "c": NaN, "s": "NaN"}');
  assert.deepEqual(c, {a: [0, 1e308], b: -1e308, c: null, s: 'NaN'});
  assert.throws(
    () => engine.configFile('{"a": }'),
    (e) => e instanceof EstimatorError && e.code === 'invalid_json' && /line 1/.test(e.message),
  );
});

test('parseConfigText accepts a Nemotron-H style config once the engine is loaded', () => {
  const text = '{"model_type": "nemotron_h", "time_step_limit": [0.0, Infinity]}';
  assert.throws(() => JSON.parse(text));
  const c = parseConfigText(text);
  assert.equal(c.model_type, 'nemotron_h');
  assert.deepEqual(c.time_step_limit, [0, 1e308]);
  // Broken text keeps JSON.parse's line/column message.
  assert.throws(
    () => parseConfigText('{\n "a": Infinity,'),
    (e) => e instanceof ConfigError && e.kind === 'invalid_json',
  );
});
