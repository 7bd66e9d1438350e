// What the checkpoint headers say next to what the config says: stored
// bytes per dtype, the parameter count from each, and why they differ. The
// comparison and its reason code are the core's (entry.compare, from
// model-source.js); the CLI words the same codes (core/cli/hub/report.cpp).
import {fill, h} from './dom.js';
import {formatGB, formatGiB, formatInt} from './format.js';

const WHY = {
  files_store_more: () =>
    'The files store tensors the config-based count leaves out: multi-token-prediction or draft layers, towers the config does not describe, or a tied head saved twice.',
  config_counts_more: (packing) =>
    'The config-based count includes tensors the files do not store (an untied head saved once, layers left out)' +
    (packing
      ? ', or the packing guess (quantization_config bits, else 4) is wrong for this checkpoint.'
      : '.'),
};

/** Renders the header comparison for a loaded repo `entry`, or clears `el`. */
export function renderCheckpoint(el, entry, r) {
  if (!entry?.header) {
    fill(
      el,
      entry?.header_note
        ? h('p', {class: 'muted'}, `Exact weight bytes: ${entry.header_note}.`)
        : null,
    );
    return;
  }
  const {summary: s, files, format} = entry.header;
  const {comparison: c, index_total_size_matches: indexMatches} = entry.compare(r?.params ?? {});
  const used = r?.weights_format?.rule === 'checkpoint_headers';
  const rows = [
    [
      'Stored tensors',
      `${formatGiB(s.total_bytes)} (${formatGB(s.total_bytes)}, ${formatInt(s.total_bytes)} B) in ${
        files.length
      } file${files.length === 1 ? '' : 's'}, ${formatInt(s.tensors)} tensors`,
    ],
    ...Object.entries(s.bytes_by_dtype ?? {}).map(([d, b]) => [
      `  ${d}`,
      `${formatGiB(b)}, ${formatInt(s.params_by_dtype?.[d] ?? 0)} params`,
    ]),
  ];
  if (s.overhead_bytes > 0)
    rows.push(['Quantisation scales / zeros', `${formatGiB(s.overhead_bytes)} (not parameters)`]);
  if (indexMatches !== undefined) {
    rows.push([
      'Index total_size',
      `${formatInt(entry.header.index_total_size)} B${
        indexMatches ? ' (matches the headers)' : ' (differs from the headers)'
      }`,
    ]);
  }
  rows.push(['Params from the headers', formatInt(s.params)]);
  if (s.packed_tensors > 0)
    rows.push([
      'Stored elements',
      `${formatInt(s.stored_elements)} (what the Hub shows: packed ints counted once, scales included)`,
    ]);
  const cfg = c.config_params;
  const diff = c.difference;
  rows.push([
    'Params from the config',
    `${formatInt(cfg)}${
      c.reason === 'equal'
        ? ': equal'
        : `: ${diff > 0 ? '+' : '−'}${formatInt(Math.abs(diff))} (${(cfg > 0
            ? (100 * diff) / cfg
            : 0
          ).toFixed(2)}%)`
    }`,
  ]);
  fill(
    el,
    h('h3', {class: 'sub'}, `Checkpoint headers (${format})`),
    h(
      'dl',
      {class: 'kv', id: 'checkpoint-table'},
      rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    ),
    WHY[c.reason]
      ? h('p', {class: 'muted', id: 'checkpoint-why'}, WHY[c.reason](c.packing_guessed))
      : null,
    h(
      'p',
      {class: 'muted', id: 'checkpoint-used'},
      used
        ? 'The weights component uses these exact stored bytes.'
        : 'The weights component does not use these bytes here: a chosen weights dtype, or a task that re-creates the weights (full fine-tuning, QLoRA), decides it.',
    ),
  );
}
