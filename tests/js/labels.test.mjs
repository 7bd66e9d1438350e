// Phase and component labels come from the catalogue (the core's registry,
// core/src/memory): every id the wasm module returns has a label there, and
// the page's view modules hold no core id of their own.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {before, test} from 'node:test';

import {loadEngine} from '../../web/js/engine.js';
import {assignColors} from '../../web/js/colors.js';
import {componentOrder, dtypeLabel, phaseLabel, verdictLabel} from '../../web/js/labels.js';
import {root, SKIP} from './wasm-build.mjs';

let engine;
let catalog;

before(async () => {
  if (SKIP) return;
  engine = await loadEngine({wasmBinary: readFileSync(path.join(root, 'web/gen/vramfit.wasm'))});
  catalog = engine.catalog({presetCounts: false});
});

// Between them these reach every phase (each training phase, eval included,
// and both inference phases) and every component.
const REQUESTS = [
  {task: 'inference', engine: 'hf'},
  {task: 'inference', engine: 'vllm', parallel: {tp: 2}},
  {task: 'inference', engine: 'llama_cpp'},
  {task: 'full', parallel: {dp: 8, zero: 3}},
  {task: 'full', precision: 'bf16_mixed', parallel: {dp: 2, zero: 1}, seq_len: 512},
  // Foreach AdamW, autocast over fp32 params, no checkpointing: the components
  // today's hf training stack defaults leave out.
  {
    task: 'full',
    precision: 'bf16_mixed',
    optimizer: 'adamw',
    gradient_checkpointing: false,
    eval: {batch_size: 2},
    seq_len: 256,
  },
  {task: 'lora', gradient_checkpointing: true},
  // Plain data parallel: DDP's gradient buckets.
  {task: 'lora', parallel: {dp: 2}, seq_len: 256},
  {task: 'qlora'},
  {task: 'qdora', seq_len: 256},
  {task: 'full', optimizer: 'paged_adamw_8bit', seq_len: 256},
];

test('the catalogue labels every phase and component', {skip: SKIP}, () => {
  assert.ok(catalog.phases.length > 0 && catalog.components.length > 0);
  for (const p of catalog.phases) {
    assert.equal(typeof p.label, 'string');
    assert.ok(p.label.length > 0 && p.label !== p.id, `phase ${p.id} has a label`);
  }
  for (const c of catalog.components) {
    assert.ok(c.label.length > 0 && c.description.length > 0, `component ${c.id}`);
    assert.ok(c.runtime || c.phases.length > 0, `component ${c.id} is in a phase`);
  }
});

test('every phase and component id the module returns has a catalogue label', {skip: SKIP}, () => {
  const phases = new Map(catalog.phases.map((p) => [p.id, p]));
  const components = new Map(catalog.components.map((c) => [c.id, c]));
  const seenPhases = new Set();
  const seenComponents = new Set();
  const preset = catalog.presets.find((p) => p.id === 'meta-llama/Llama-3.1-8B').id;
  for (const extra of REQUESTS) {
    const r = engine.estimate({model: {preset}, search: false, ...extra});
    const what = JSON.stringify(extra);
    assert.ok(phases.has(r.peak_phase), `${what}: peak_phase ${r.peak_phase}`);
    for (const p of r.phases) {
      assert.ok(phases.has(p.id), `${what}: phase ${p.id} in the catalogue`);
      assert.notEqual(phaseLabel(catalog, p.id), p.id);
      seenPhases.add(p.id);
    }
    for (const c of r.components) {
      assert.ok(components.has(c.id), `${what}: component ${c.id} in the catalogue`);
      assert.equal(c.label, components.get(c.id).label);
      seenComponents.add(c.id);
    }
  }
  assert.deepEqual([...seenPhases].sort(), [...phases.keys()].sort());
  assert.deepEqual([...seenComponents].sort(), [...components.keys()].sort());
});

test('colours follow the catalogue order, distinct within a chart', {skip: SKIP}, () => {
  const order = componentOrder(catalog);
  const ids = [order[1], order[0], 'not_a_component'];
  const colors = assignColors(ids, order);
  assert.equal(colors.get(order[0]), 'var(--c0)');
  assert.equal(colors.get(order[1]), 'var(--c1)');
  assert.equal(new Set(colors.values()).size, ids.length);
});

test('the view modules quote no phase or component id', {skip: SKIP}, () => {
  const ids = [...catalog.phases, ...catalog.components].map((x) => x.id);
  const dir = path.join(root, 'web/js');
  for (const f of readdirSync(dir).filter((f) => /^(view-.*|colors)\.js$/.test(f))) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    for (const id of ids) {
      const quoted = new RegExp(`['"\`]${id}['"\`]|\\b${id}\\s*:`);
      assert.ok(!quoted.test(text), `${f} holds the core id ${id}: take it from the catalogue`);
    }
  }
});

test(
  'every verdict the module returns has a catalogue label; views hold no verdict text',
  {skip: SKIP},
  () => {
    const labels = new Map(catalog.verdicts.map((v) => [v.id, v.label]));
    assert.deepEqual([...labels.keys()].sort(), ['fits', 'fits_paged', 'no', 'tight']);
    assert.equal(verdictLabel(catalog, 'no'), 'does not fit');
    assert.equal(verdictLabel(catalog, 'fits_paged'), 'fits by paging');
    const r = engine.estimate({
      model: {preset: 'meta-llama/Llama-3.1-8B'},
      task: 'full',
      search: false,
    });
    for (const g of r.gpus) assert.ok(labels.has(g.verdict), `verdict ${g.verdict} of ${g.id}`);
    assert.equal(dtypeLabel(catalog, 'nf4'), catalog.dtypes.find((d) => d.id === 'nf4').label);
    const dir = path.join(root, 'web/js');
    for (const f of readdirSync(dir).filter((f) => /^view-.*\.js$/.test(f))) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      assert.ok(!/VERDICT_TEXT|\bno\s*:\s*['"]/.test(text), `${f} words a verdict itself`);
    }
  },
);
