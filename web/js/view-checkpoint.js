// What the checkpoint headers say next to what the config says: stored
// bytes per dtype, the parameter count from each, and why they differ.
// Same reading as the CLI's print_checkpoint (core/cli/hub.cpp).
import {fill, h} from './dom.js';
import {formatGB, formatGiB, formatInt} from './format.js';

function configParams(r) {
  const p = r?.params ?? {};
  return (Number(p.total) || 0) + (Number(p.towers) || 0);
}

function why(diff, r) {
  if (diff > 0)
    return 'The files store tensors the config-based count leaves out: multi-token-prediction or draft layers, towers the config does not describe, or a tied head saved twice.';
  const q = r?.model?.quantization;
  return 'The config-based count includes tensors the files do not store (an untied head saved once, layers left out)' +
      (q ? ', or the packing guess (quantization_config bits) is wrong for this checkpoint.' : '.');
}

/** Renders the header comparison for a loaded repo `entry`, or clears `el`. */
export function renderCheckpoint(el, entry, r) {
  if (!entry?.header) {
    fill(el, entry?.header_note ? h('p', {class: 'muted'}, `Exact weight bytes: ${entry.header_note}.`) : null);
    return;
  }
  const {summary: s, files, format} = entry.header;
  const cfg = configParams(r);
  const diff = s.params - cfg;
  const used = r?.weights_format?.rule === 'checkpoint_headers';
  const rows = [
    ['Stored tensors', `${formatGiB(s.total_bytes)} (${formatGB(s.total_bytes)}, ${formatInt(s.total_bytes)} B) in ${
        files.length} file${files.length === 1 ? '' : 's'}, ${formatInt(s.tensors)} tensors`],
    ...Object.entries(s.bytes_by_dtype ?? {}).map(([d, b]) => [
      `  ${d}`, `${formatGiB(b)}, ${formatInt(s.params_by_dtype?.[d] ?? 0)} params`,
    ]),
  ];
  if (s.overhead_bytes > 0) rows.push(['Quantisation scales / zeros', `${formatGiB(s.overhead_bytes)} (not parameters)`]);
  if (entry.header.index_total_size !== null && entry.header.index_total_size !== undefined) {
    rows.push(['Index total_size', `${formatInt(entry.header.index_total_size)} B${
        entry.header.index_total_size === s.total_bytes ? ' (matches the headers)' : ' (differs from the headers)'}`]);
  }
  rows.push(['Params from the headers', formatInt(s.params)]);
  if (s.packed_tensors > 0)
    rows.push(['Stored elements', `${formatInt(s.stored_elements)} (what the Hub shows: packed ints counted once, scales included)`]);
  rows.push([
    'Params from the config',
    `${formatInt(cfg)}${diff === 0 ? ': equal' : `: ${diff > 0 ? '+' : '−'}${formatInt(Math.abs(diff))} (${
        (cfg > 0 ? (100 * diff / cfg) : 0).toFixed(2)}%)`}`,
  ]);
  fill(
      el, h('h3', {class: 'sub'}, `Checkpoint headers (${format})`),
      h('dl', {class: 'kv', id: 'checkpoint-table'}, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      diff !== 0 ? h('p', {class: 'muted', id: 'checkpoint-why'}, why(diff, r)) : null,
      h('p', {class: 'muted', id: 'checkpoint-used'},
        used ? 'The weights component uses these exact stored bytes.' :
               'The weights component does not use these bytes here: a chosen weights dtype, or a task that re-creates the weights (full fine-tuning, QLoRA), decides it.'));
}
