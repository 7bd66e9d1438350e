// The form names a field path the core reports in the form's own words, and
// marks the control it belongs to (web/js/form.js describe, markInvalid): one
// mapping for both. Expected labels are the page's own (web/js/fields.js,
// group 'model') and the core's field table (core/src/api/fields_table.cpp),
// written out here; the form is built on linkedom's DOM from web/index.html.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {parseHTML} from 'linkedom';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const {document, Node} = parseHTML(readFileSync(path.join(root, 'web/index.html'), 'utf8'));
Object.assign(globalThis, {document, Node});
const {buildForm} = await import('../../web/js/form.js');
const {pageDefaults} = await import('../../web/js/fields.js');
// The catalogue the build computed with the module (scripts/snapshot.mjs), as text.
const catalog = JSON.parse(
  JSON.parse(readFileSync(path.join(root, 'web/gen/snapshot.json'), 'utf8')).catalog,
);
const form = buildForm(document, catalog, pageDefaults(catalog));

const CASES = [
  ['lora.rank', 'LoRA rank', '#f-lora-rank'],
  ['gpus', 'Number of GPUs', '#f-gpus'],
  ['custom_gpus[1]', 'Custom GPUs, item 2', '#f-custom_gpus'],
  ['custom_gpus[0].memory_gib', 'Custom GPUs, item 1', '#f-custom_gpus'],
  ['model.config.hidden_size', 'config.json: hidden_size', '#config'],
  ['model.preset', 'Preset', '#preset'],
  ['model', 'Hugging Face model id', '#model'],
  // Checkpoint bytes come from the Hub download of the model id.
  ['model.checkpoint.total_bytes', 'Hugging Face model id', '#model'],
];

for (const [path_, label, control] of CASES) {
  test(`${path_}: "${label}", marks ${control}`, () => {
    assert.equal(form.describe(path_), label);
    form.markInvalid([path_]);
    const marked = [...document.querySelectorAll('[aria-invalid="true"]')].map((e) => `#${e.id}`);
    assert.deepEqual(marked, [control]);
  });
}

test('a path no field owns is named as it is and marks nothing', () => {
  assert.equal(form.describe('bogus.path'), 'bogus.path');
  form.markInvalid(['bogus.path']);
  assert.equal(document.querySelectorAll('[aria-invalid="true"]').length, 0);
});
