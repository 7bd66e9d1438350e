// Query string <-> state <-> request (web/js/url-state.js, web/js/fields.js).
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {
  checkValue,
  defaultState,
  FIELD_BY_NAME,
  FIELDS,
  stateToRequest,
} from '../../web/js/fields.js';
import {hubKey} from '../../web/js/hub-model.js';
import {parseQuery, stateToQuery} from '../../web/js/url-state.js';

const catalog = {
  presets: [{id: 'meta-llama/Llama-3.1-8B', name: 'Llama 3.1 8B'}, {id: 'Qwen/Qwen3-0.6B'}],
  gpus: [
    {
      id: 'rtx-4090',
      name: 'RTX 4090',
      vendor: 'nvidia',
      memory_bytes: 24 * 2 ** 30,
      aliases: ['4090'],
    },
  ],
  // The core's fields[].tasks (core/src/api/fields_table.cpp) for the rows
  // these tests drop: training-only and adapter-only.
  fields: [
    {path: 'gradient_checkpointing', tasks: ['full', 'lora', 'qlora', 'dora', 'qdora']},
    {path: 'lora.rank', tasks: ['lora', 'qlora', 'dora', 'qdora']},
  ],
  dtypes: [
    {id: 'bf16', kv_cache: true, aliases: ['bfloat16']},
    {id: 'nf4'},
    {id: 'fp8', kv_cache: true},
  ],
  enums: {
    task: ['inference', 'full', 'lora', 'qlora', 'dora', 'qdora'],
    attention: ['flash', 'sdpa', 'eager'],
  },
  defaults: {
    task: 'inference',
    batch_size: 1,
    seq_len: 4096,
    weights_dtype: 'bf16',
    lora: {rank: 16},
  },
  // The shape of the core's catalog.limits (tests/js/fields.test.mjs checks the real one).
  limits: {
    batch_size: {min: 1, max: 1048576, integer: true},
    'lora.dropout': {min: 0, max: 0.99, integer: false},
    'custom_gpus[].memory_gib': {min: 0.01, max: 1e6, integer: false},
  },
};

test('every field name is a request JSON path, no duplicates', () => {
  const names = FIELDS.map((f) => f.name);
  assert.equal(new Set(names).size, names.length);
  for (const n of names) assert.match(n, /^[a-z_]+(\.[a-z_]+)?$/);
});

test('defaults are flattened to field names', () => {
  assert.deepEqual(defaultState(catalog), {
    task: 'inference',
    batch_size: '1',
    seq_len: '4096',
    weights_dtype: 'bf16',
    'lora.rank': '16',
  });
});

test('a query restores exactly and serialises back to the same string', () => {
  const q =
    'preset=Qwen%2FQwen3-0.6B&task=qlora&batch_size=8&seq_len=2048&lora.rank=64&lora.targets=q_proj%2Cv_proj&parallel.tp=2&gpu=rtx-4090&vendor=nvidia';
  const {state, problems} = parseQuery(q, catalog);
  assert.deepEqual(problems, []);
  assert.equal(state['lora.rank'], '64');
  assert.equal(stateToQuery(state, defaultState(catalog)), q);
});

test('defaults are left out of the query', () => {
  assert.equal(
    stateToQuery(
      {preset: 'Qwen/Qwen3-0.6B', task: 'inference', batch_size: '1'},
      defaultState(catalog),
    ),
    'preset=Qwen%2FQwen3-0.6B',
  );
});

test('invalid values become problems, not state', () => {
  const {state, problems} = parseQuery(
    'task=dance&batch_size=-3&seq_len=1e9x&gradient_checkpointing=maybe&bogus=1&preset=nope',
    catalog,
  );
  assert.deepEqual(state, {});
  assert.deepEqual(problems.map((p) => p.name).sort(), [
    'batch_size',
    'bogus',
    'gradient_checkpointing',
    'preset',
    'seq_len',
    'task',
  ]);
  for (const p of problems) assert.ok(p.message.length > 0);
});

test('a markup-laden model id is kept as text but reported', () => {
  const {state, problems} = parseQuery({model: '<script>alert(1)</script>'}, catalog);
  assert.equal(state.model, '<script>alert(1)</script>');
  assert.equal(problems[0].name, 'model');
});

test('stateToRequest nests dotted names and types values', () => {
  const {request, problems} = stateToRequest(
    {
      preset: 'meta-llama/Llama-3.1-8B',
      task: 'lora',
      batch_size: '4',
      'lora.rank': '8',
      'lora.targets': 'q_proj, v_proj',
      gradient_checkpointing: 'true',
      'parallel.tp': '2',
      custom_gpus: 'Mine:48',
    },
    catalog,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(request, {
    model: {preset: 'meta-llama/Llama-3.1-8B'},
    task: 'lora',
    batch_size: 4,
    gradient_checkpointing: true,
    lora: {rank: 8, targets: ['q_proj', 'v_proj']},
    parallel: {tp: 2},
    custom_gpus: 'Mine:48',
  });
});

test('training-only and adapter-only fields are dropped for inference', () => {
  const {request} = stateToRequest(
    {
      preset: 'Qwen/Qwen3-0.6B',
      task: 'inference',
      'lora.rank': '8',
      gradient_checkpointing: 'true',
    },
    catalog,
  );
  assert.deepEqual(request, {model: {preset: 'Qwen/Qwen3-0.6B'}, task: 'inference'});
});

test('model source precedence: pasted config > Hub id > preset', () => {
  const config = {model_type: 'llama'};
  const fetched = new Map([[hubKey({model: 'org/name'}), {config}]]);
  assert.deepEqual(
    stateToRequest(
      {preset: 'Qwen/Qwen3-0.6B', model: 'org/name', config: '{"a":1}'},
      catalog,
      fetched,
    ).request.model,
    {config: {a: 1}, id: 'org/name'},
  );
  assert.deepEqual(
    stateToRequest({preset: 'Qwen/Qwen3-0.6B', model: 'org/name'}, catalog, fetched).request.model,
    {config, id: 'org/name'},
  );
  assert.equal(
    stateToRequest({model: 'org/other'}, catalog, fetched).request,
    null,
    'not fetched yet',
  );
  assert.equal(stateToRequest({}, catalog).request, null);
});

test('a loaded repo is found by endpoint, id, revision and GGUF file; its checkpoint bytes go in', () => {
  const config = {model_type: 'llama'};
  const checkpoint = {total_bytes: 16060522496, source: 'safetensors'};
  const fetched = new Map([
    [
      hubKey({model: 'org/name', revision: 'v1', endpoint: 'http://127.0.0.1:9000/'}),
      {config, checkpoint},
    ],
  ]);
  const at = (extra) => stateToRequest({model: 'org/name', ...extra}, catalog, fetched).request;
  assert.deepEqual(at({revision: 'v1', endpoint: 'http://127.0.0.1:9000'}).model, {
    config,
    id: 'org/name',
    checkpoint,
  });
  assert.equal(at({revision: 'v1'}), null, 'another endpoint is another repo');
  assert.equal(at({endpoint: 'http://127.0.0.1:9000'}), null, 'main is not v1');
  assert.equal(at({revision: 'v1', endpoint: 'http://127.0.0.1:9000', gguf_file: 'x.gguf'}), null);
});

test('Hub settings in a link are checked: revision, endpoint, gguf_file', () => {
  const {state, problems} = parseQuery(
    'model=Qwen/Qwen3-32B&revision=refs/pr/1&endpoint=http://127.0.0.1:9000&gguf_file=q/Q4_K_M.gguf',
    catalog,
  );
  assert.deepEqual(problems, []);
  assert.equal(state.endpoint, 'http://127.0.0.1:9000');
  assert.equal(state.revision, 'refs/pr/1');
  const bad = parseQuery(
    'endpoint=javascript:alert(1)&revision=../x&gguf_file=../../etc/passwd',
    catalog,
  );
  assert.deepEqual(bad.problems.map((p) => p.name).sort(), ['endpoint', 'gguf_file', 'revision']);
  assert.match(bad.problems.find((p) => p.name === 'endpoint').message, /http\(s\)/);
  assert.equal(bad.state.endpoint, undefined);
});

test('a broken pasted config is a problem, not an exception', () => {
  const {request, problems} = stateToRequest({config: '{"a": 1,,}'}, catalog);
  assert.equal(request, null);
  assert.equal(problems[0].name, 'config');
});

test('catalogue aliases resolve to canonical ids', () => {
  const {state, problems} = parseQuery(
    'gpu=4090&weights_dtype=BFloat16&gradient_checkpointing=1',
    catalog,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(state, {gpu: 'rtx-4090', weights_dtype: 'bf16', gradient_checkpointing: 'true'});
});

test('lora.targets "all-linear" is sent as a string, a list as an array', () => {
  const f = FIELD_BY_NAME.get('lora.targets');
  assert.equal(checkValue(f, 'all-linear', catalog).value, 'all-linear');
  assert.deepEqual(checkValue(f, 'q_proj,v_proj', catalog).value, ['q_proj', 'v_proj']);
});

test('checkValue rejects overlong text and out-of-range numbers', () => {
  assert.equal(checkValue(FIELD_BY_NAME.get('model'), 'x'.repeat(300), catalog).ok, false);
  assert.equal(checkValue(FIELD_BY_NAME.get('lora.dropout'), '1.5', catalog).ok, false);
  assert.equal(checkValue(FIELD_BY_NAME.get('lora.dropout'), '0.05', catalog).value, 0.05);
  assert.equal(
    checkValue(FIELD_BY_NAME.get('kv_cache_dtype'), 'nf4', catalog).ok,
    false,
    'not a KV dtype',
  );
  assert.equal(checkValue(FIELD_BY_NAME.get('kv_cache_dtype'), 'fp8', catalog).ok, true);
});

test('enums without catalogue options accept plain tokens only', () => {
  assert.equal(checkValue(FIELD_BY_NAME.get('engine'), 'vllm', catalog).ok, true);
  assert.equal(checkValue(FIELD_BY_NAME.get('engine'), '<b>x</b>', catalog).ok, false);
});

test('custom GPUs: the name:GiB text goes to the core as is (the core parses it)', () => {
  const gpus = FIELD_BY_NAME.get('custom_gpus');
  for (const text of ['A:24, B big:80.5', 'nocolon', 'A:0.001', 'old=8'])
    assert.deepEqual(checkValue(gpus, text, catalog), {ok: true, value: text});
  assert.equal(checkValue(gpus, 'x'.repeat(2001), catalog).ok, false);
  const {request, problems} = stateToRequest(
    {preset: 'meta-llama/Llama-3.1-8B', custom_gpus: 'nocolon'},
    catalog,
  );
  assert.deepEqual(problems, []);
  assert.equal(request.custom_gpus, 'nocolon');
  assert.equal(
    stateToRequest({preset: 'meta-llama/Llama-3.1-8B', custom_gpus: ''}, catalog).request
      .custom_gpus,
    undefined,
  );
});

test('numeric bounds come from catalog.limits; without them the core decides', () => {
  const batch = FIELD_BY_NAME.get('batch_size');
  assert.equal(checkValue(batch, '1048577', catalog).message, 'must be between 1 and 1048576');
  assert.equal(checkValue(batch, '1048576', catalog).ok, true);
  assert.equal(checkValue(batch, '1048577', {}).ok, true);
  assert.equal(checkValue(batch, '1.5', {}).ok, false, 'still a whole number');
});
