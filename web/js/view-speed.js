// Speed panel: the core's response `speed` (methodology §18) as a table.
// Inference: decode per sequence and for all sequences, prefill, time to
// first token; training: step time, tokens/s, time and cost to train. Each
// row shows the band and, on hover, the formula and its inputs.
import {h, patch} from './dom.js';

function number(v, unit) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  if (unit === 's') {
    if (v >= 3600) return `${(v / 3600).toFixed(1)} h`;
    if (v >= 60) return `${(v / 60).toFixed(1)} min`;
    return `${v.toFixed(v >= 10 ? 1 : 3)} s`;
  }
  if (unit === 'currency') return v.toFixed(2);
  const n = v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
  return `${n} ${unit}`;
}

function title(f) {
  const inputs = Object.entries(f.inputs ?? {})
    .map(([k, v]) => `${k} = ${typeof v === 'number' ? Number(v.toPrecision(6)) : String(v)}`)
    .join('\n');
  return `${String(f.formula ?? '')}${inputs ? `\n${inputs}` : ''}`;
}

/** Fills `el` from response.speed (engine.d.ts); hides its section without one. */
export function renderSpeed(el, speed) {
  const figs = speed && Array.isArray(speed.figures) ? speed.figures : [];
  const rows = figs.map((f) =>
    h(
      'tr',
      {'data-speed': String(f.id ?? ''), title: title(f)},
      h('th', {scope: 'row'}, String(f.label ?? f.id ?? '')),
      h('td', {class: 'num'}, number(f.value, f.unit)),
      h('td', {class: 'num muted'}, `${number(f.low, f.unit)} – ${number(f.high, f.unit)}`),
    ),
  );
  const head = figs.length
    ? h(
        'tr',
        {},
        h('th', {scope: 'col'}, ''),
        h('th', {scope: 'col'}, 'estimate'),
        h('th', {scope: 'col'}, 'range'),
      )
    : null;
  patch(
    el,
    rows.length ? h('table', {class: 'speed'}, h('thead', {}, head), h('tbody', {}, rows)) : null,
  );
  el.closest('section')?.toggleAttribute('hidden', rows.length === 0);
}
