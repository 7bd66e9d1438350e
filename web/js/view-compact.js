// Compact result used by ?embed=1 and by <vramfit-estimate>: model, total
// with band, a small stacked bar with legend, and the fit for one GPU or the
// smallest GPUs that fit. Styles are in COMPACT_CSS (shadow-DOM friendly).
import {assignColors} from './colors.js';
import {fill, h} from './dom.js';
import {formatGB, formatGiB, formatPercent} from './format.js';
import {componentOrder, verdictLabel} from './labels.js';

export const COMPACT_CSS = `
.vf-compact { font: 14px/1.4 system-ui, sans-serif; color: var(--vf-fg, CanvasText);
  border: 1px solid var(--vf-line, #8884); border-radius: 8px; padding: 10px 12px; max-width: 36rem; }
.vf-compact .vf-model { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.vf-compact .vf-total { margin: 2px 0; font-size: 1.6em; font-weight: 700; }
.vf-compact .vf-total small { font-size: .55em; font-weight: 400; opacity: .75; margin-left: .4em; }
.vf-compact .vf-band, .vf-compact .vf-fit, .vf-compact .vf-meta { margin: 2px 0; font-size: .9em; }
.vf-compact .vf-bar { display: flex; height: 14px; border-radius: 4px; overflow: hidden; margin: 6px 0; background: #8882; }
.vf-compact .vf-legend { display: flex; flex-wrap: wrap; gap: 2px 12px; margin: 0; padding: 0; list-style: none; font-size: .85em; }
.vf-compact .vf-legend i { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .3em; vertical-align: -.05em; }
.vf-compact .fits { color: #137333; } .vf-compact .tight, .vf-compact .fits_paged { color: #b06000; } .vf-compact .no { color: #c5221f; }
.vf-compact .vf-error { color: #c5221f; margin: 0; overflow-wrap: anywhere; }
.vf-compact a { color: inherit; }
@media (prefers-color-scheme: dark) {
  .vf-compact .fits { color: #81c995; } .vf-compact .tight, .vf-compact .fits_paged { color: #fdd663; } .vf-compact .no { color: #f28b82; }
  .vf-compact .vf-error { color: #f28b82; }
}
:host { display: block; --c0:#4e79a7; --c1:#f28e2b; --c2:#59a14f; --c3:#e15759; --c4:#b07aa1;
  --c5:#edc948; --c6:#9c755f; --c7:#76b7b2; --c8:#ff9da7; --c9:#bab0ac; --c10:#a0cb3c; --c11:#3b4cc0; }
`;

/** " · 34.0 tokens/s decode per sequence" where the request fits (gpus[].tokens_per_s). */
function speedText(r, g) {
  if (typeof g.tokens_per_s !== 'number') return '';
  const training = r.request && r.request.task && r.request.task !== 'inference';
  const v = g.tokens_per_s.toFixed(g.tokens_per_s < 100 ? 1 : 0);
  return ` · ${v} tokens/s ${training ? 'training' : 'decode per sequence'}`;
}

function fitLine(r, gpuId, catalog) {
  const gpus = Array.isArray(r.gpus) ? r.gpus : [];
  const chosen = gpuId && gpus.find((g) => g.id === gpuId);
  if (chosen) {
    const head = chosen.headroom_bytes;
    return h(
      'p',
      {class: 'vf-fit'},
      `${chosen.name}: `,
      h('strong', {class: String(chosen.verdict)}, verdictLabel(catalog, chosen.verdict)),
      typeof head === 'number'
        ? ` (${head < 0 ? '−' : '+'}${formatGiB(Math.abs(head), 1)} headroom)`
        : '',
      speedText(r, chosen),
    );
  }
  const fitting = gpus
    .filter((g) => g.verdict === 'fits')
    .sort((a, b) => (a.memory_bytes ?? 0) - (b.memory_bytes ?? 0))
    .slice(0, 3);
  if (!gpus.length) return null;
  return h(
    'p',
    {class: 'vf-fit'},
    fitting.length
      ? [
          'Smallest GPUs that fit: ',
          h('span', {class: 'fits'}, fitting.map((g) => String(g.name)).join(', ')),
        ]
      : h('span', {class: 'no'}, 'Fits on none of the listed single GPUs.'),
  );
}

/**
 * Renders into `el`; `link` (optional URL string) opens the full page;
 * `catalog` (optional) gives the components' colour order.
 */
export function renderCompact(el, r, {gpu = '', link = '', catalog = null} = {}) {
  const comps = (r.components ?? []).filter((c) => c.bytes > 0 && c.in_peak !== false);
  const total = r.total_bytes;
  const colors = assignColors(
    comps.map((c) => String(c.id)),
    componentOrder(catalog),
  );
  const bar = h('div', {
    class: 'vf-bar',
    role: 'img',
    'aria-label': comps.map((c) => `${c.label ?? c.id} ${formatGiB(c.bytes)}`).join(', '),
  });
  const legend = h('ul', {class: 'vf-legend'});
  comps.forEach((c) => {
    const seg = h('span', {title: `${c.label ?? c.id}: ${formatGiB(c.bytes)}`});
    seg.style.setProperty('flex-grow', String(c.bytes));
    seg.style.setProperty('background', colors.get(String(c.id)));
    bar.appendChild(seg);
    const sw = h('i', {'aria-hidden': 'true'});
    sw.style.setProperty('background', colors.get(String(c.id)));
    legend.appendChild(h('li', {}, sw, `${c.label ?? c.id} ${formatPercent(c.bytes, total)}`));
  });
  const model = r.model?.id ?? r.model?.name ?? 'model';
  fill(
    el,
    h(
      'div',
      {class: 'vf-compact', part: 'result'},
      h('p', {class: 'vf-model'}, String(model)),
      h(
        'p',
        {class: 'vf-total'},
        h('span', {class: 'vf-total-gib'}, formatGiB(total)),
        h('small', {}, formatGB(total)),
      ),
      r.range
        ? h(
            'p',
            {class: 'vf-band'},
            `likely ${formatGiB(r.range.low_bytes)} – ${formatGiB(r.range.high_bytes)}`,
          )
        : null,
      bar,
      legend,
      fitLine(r, gpu, catalog),
      link
        ? h(
            'p',
            {class: 'vf-meta'},
            h('a', {href: link, target: '_blank', rel: 'noopener'}, 'Details on vramfit ↗'),
          )
        : null,
    ),
  );
}

export function renderCompactError(el, message) {
  fill(
    el,
    h('div', {class: 'vf-compact'}, h('p', {class: 'vf-error', role: 'alert'}, String(message))),
  );
}
