// Stacked bar of whatever components the core returns, a legend table, and
// an explanation panel (formula + inputs) driven by hover, focus and tap.
import {assignColors} from './colors.js';
import {fill, h, patch} from './dom.js';
import {formatGB, formatGiB, formatPercent, formatValue} from './format.js';
import {componentOrder, phaseLabel} from './labels.js';

const inPeak = (c) => c.in_peak !== false;

function explain(panel, c, total) {
  const inputs = Object.entries(c.inputs ?? {});
  const share = inPeak(c)
    ? ` · ${formatPercent(c.bytes, total)} of the total`
    : ' · not live at the peak, so not in the total';
  const flags = [];
  if (typeof c.uncertainty === 'number' && c.uncertainty > 0)
    flags.push(`± ${Math.round(c.uncertainty * 100)} % uncertainty`);
  if (c.runtime) flags.push('runtime overhead (not a tensor)');
  if (c.paged) flags.push('paged: managed memory that moves to host memory when the GPU is full');
  fill(
    panel,
    h('h3', {}, String(c.label ?? c.id)),
    h('p', {}, h('strong', {}, formatGiB(c.bytes)), ` · ${formatGB(c.bytes)}${share}`),
    flags.length ? h('p', {class: 'muted'}, flags.join(' · ')) : null,
    c.formula ? h('p', {class: 'formula'}, h('code', {}, String(c.formula))) : null,
    // The formula's inputs are its variables (core names and values), shown as code like it.
    inputs.length
      ? h(
          'dl',
          {class: 'inputs'},
          inputs.map(([k, v]) => [
            h('dt', {}, h('code', {}, k)),
            h('dd', {}, h('code', {}, formatValue(v))),
          ]),
        )
      : null,
    c.note ? h('p', {class: 'muted'}, String(c.note)) : null,
  );
  panel.dataset.component = String(c.id);
}

// Shows component `c` in the panel and marks its bar segment and legend row.
function show(root, c, total) {
  explain(root.querySelector('.explain'), c, total);
  for (const b of root.querySelectorAll('[data-component]')) {
    b.classList.toggle('active', b.dataset.component === String(c.id));
  }
}

// el -> shows a component id of the latest render. The chart listens on `el`
// (hover, focus, tap of a segment or legend row): its nodes outlive renders.
const shown = new WeakMap();

function listen(el) {
  const on = (e) => {
    const b = e.target.closest?.('button[data-component]');
    if (!b || !el.contains(b)) return;
    // mouseover as mouseenter: once on entering the button, not per child.
    if (e.type === 'mouseover' && b.contains(e.relatedTarget)) return;
    shown.get(el)?.(b.dataset.component);
  };
  for (const ev of ['mouseover', 'focusin', 'click']) el.addEventListener(ev, on);
}

/** @param {object} opts { capacity?: {bytes, name} } draws a GPU line; catalog? labels */
export function renderChart(el, r, opts = {}) {
  const comps = (r.components ?? []).filter((c) => typeof c.bytes === 'number');
  const stacked = comps.filter(inPeak);
  const sum = stacked.reduce((s, c) => s + Math.max(0, c.bytes), 0);
  const total = r.total_bytes ?? sum;
  const colors = assignColors(
    [...stacked, ...comps.filter((c) => !inPeak(c))].map((c) => String(c.id)),
    componentOrder(opts.catalog),
  );
  const colorOf = (c) => colors.get(String(c.id));
  const cap = opts.capacity;
  const scale = Math.max(sum, cap?.bytes ?? 0) || 1;
  const panel = h('div', {class: 'explain', id: 'explain', 'aria-live': 'polite'});
  const bar = h('div', {class: 'bar', role: 'group', 'aria-label': 'Memory by component'});
  comps.forEach((c) => {
    if (c.bytes <= 0 || !inPeak(c)) return;
    const seg = h('button', {
      type: 'button',
      class: 'seg',
      'data-component': c.id,
      'aria-label': `${c.label ?? c.id}: ${formatGiB(c.bytes)}, ${formatPercent(c.bytes, total)}`,
    });
    seg.style.setProperty('flex-grow', String(c.bytes / scale));
    seg.style.setProperty('background', colorOf(c));
    bar.appendChild(seg);
  });
  if (cap && cap.bytes > sum) {
    const rest = h('span', {class: 'seg-free', 'aria-hidden': 'true'});
    rest.style.setProperty('flex-grow', String((cap.bytes - sum) / scale));
    bar.appendChild(rest);
  }
  let marker = null;
  if (cap && cap.bytes > 0) {
    marker = h(
      'div',
      {class: 'cap-marker'},
      h('span', {}, `${cap.name}: ${formatGiB(cap.bytes, 1)}`),
    );
    const pos = Math.min(100, (100 * cap.bytes) / scale);
    marker.style.setProperty('left', `${pos}%`);
    marker.classList.toggle('label-right', pos < 50);
    marker.classList.toggle('over', cap.bytes < sum);
  }
  const rows = comps.map((c) => {
    const sw = h('span', {class: 'swatch', 'aria-hidden': 'true'});
    sw.style.setProperty('background', colorOf(c));
    const btn = h(
      'button',
      {type: 'button', class: 'linklike', 'data-component': c.id},
      sw,
      String(c.label ?? c.id),
    );
    return h(
      'tr',
      {'data-id': c.id, 'data-bytes': c.bytes, class: inPeak(c) ? null : 'off-peak'},
      h(
        'th',
        {scope: 'row'},
        btn,
        inPeak(c) ? null : h('span', {class: 'muted small-note'}, ' not at peak'),
      ),
      h('td', {class: 'num'}, formatGiB(c.bytes)),
      h('td', {class: 'num hide-narrow'}, formatGB(c.bytes)),
      h('td', {class: 'num'}, inPeak(c) ? formatPercent(c.bytes, total) : '—'),
    );
  });
  const phases =
    Array.isArray(r.phases) && r.phases.length > 1
      ? h(
          'p',
          {class: 'phases muted'},
          'Phases: ',
          r.phases.map((p, i) => [
            i ? ' · ' : '',
            p.id === r.peak_phase
              ? h('strong', {}, `${phaseLabel(opts.catalog, p.id)} ${formatGiB(p.bytes)} (peak)`)
              : `${phaseLabel(opts.catalog, p.id)} ${formatGiB(p.bytes)}`,
          ]),
        )
      : null;
  // Built aside, then patched in: only what the edit changed is laid out again.
  const next = h(
    'div',
    {},
    h('div', {class: 'bar-wrap'}, bar, marker),
    phases,
    h(
      'div',
      {class: 'chart-cols'},
      h(
        'table',
        {class: 'legend', id: 'components'},
        h('caption', {class: 'sr-only'}, 'Components'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {scope: 'col'}, 'Component'),
            h('th', {scope: 'col', class: 'num'}, 'GiB'),
            h('th', {scope: 'col', class: 'num hide-narrow'}, 'GB'),
            h('th', {scope: 'col', class: 'num'}, 'Share'),
          ),
        ),
        h('tbody', {}, rows),
        h(
          'tfoot',
          {},
          h(
            'tr',
            {},
            h('th', {scope: 'row'}, 'Total'),
            h('td', {class: 'num'}, formatGiB(total)),
            h('td', {class: 'num hide-narrow'}, formatGB(total)),
            h('td', {}, ''),
          ),
        ),
      ),
      panel,
    ),
  );
  const keep = opts.active && comps.find((c) => String(c.id) === opts.active);
  const biggest = comps.reduce((a, c) => (!a || c.bytes > a.bytes ? c : a), null);
  if (keep || biggest) show(next, keep || biggest, total);
  if (!shown.has(el)) listen(el);
  shown.set(el, (id) => {
    const c = comps.find((x) => String(x.id) === id);
    if (c) show(el, c, total);
  });
  patch(el, [...next.childNodes]);
}
