// The per-GPU fit matrix: verdict as colour AND text, headroom, max batch,
// max context, speed (decode tokens/s per sequence, or training tokens/s,
// where the request fits). Filtering by vendor and minimum memory happens here.
import {h, patch} from './dom.js';
import {formatGiB, formatInt} from './format.js';
import {layoutGpus, vendorLabel, verdictLabel} from './labels.js';

/** A header with a short form for phones (the long one stays for screen readers). */
function headerText(long, short) {
  return [
    h('span', {class: 'long'}, long),
    h('span', {class: 'short', 'aria-hidden': 'true'}, short),
  ];
}

export function vendorsOf(gpus) {
  return [...new Set((gpus ?? []).map((g) => String(g.vendor ?? 'other')))].sort();
}

// localeCompare's order, without a collator made per call (79 GPUs sorted per edit).
const byName = new Intl.Collator();

// Rows either side of the anchor in the opening view.
const NEIGHBOURS = 4;

/**
 * The opening view: the user's GPU (else the smallest that fits, else the
 * largest) with its neighbours by memory, and custom GPUs; the rest behind
 * "show all". Filters show every match.
 */
function around(sorted, highlight) {
  let at = sorted.findIndex((g) => g.id === highlight);
  if (at < 0) at = sorted.findIndex((g) => g.verdict === 'fits');
  if (at < 0) at = sorted.length - 1;
  const lo = Math.max(0, Math.min(at - NEIGHBOURS, sorted.length - 2 * NEIGHBOURS - 1));
  return sorted.filter((g, i) => g.custom || (i >= lo && i <= lo + 2 * NEIGHBOURS));
}

/**
 * The maxima's column headers in the engine's terms: vLLM and SGLang answer
 * from their KV pool (core/SCHEMA.md gpus[]), as their logs do ("Maximum
 * concurrency for N tokens per request"); elsewhere the largest batch and
 * context that fit with the 5 % reserve. [long, short, title] per column.
 */
function maximaHeaders(request) {
  const engine = request?.task === 'inference' ? request?.engine : '';
  const pool = {vllm: 'vLLM’s KV cache', sglang: 'SGLang’s token pool'}[engine];
  if (pool) {
    return [
      [
        'Max concurrency',
        'conc.',
        `Requests of the chosen length that ${pool} holds at once (rounded down)`,
      ],
      [
        'Max tokens / request',
        'ctx',
        `Longest request, up to the context limit, of which the chosen batch fits ${pool} at once`,
      ],
    ];
  }
  return [
    ['Max batch', 'batch', 'Largest batch that fits with the 5 % safety reserve'],
    ['Max context', 'ctx', 'Longest context that fits with the 5 % safety reserve'],
  ];
}

// el -> the "show all" toggle's action for the latest render.
const toggles = new WeakMap();

/**
 * filters: { vendor: '' | name, minGib: number, highlight: gpu id, showAll:
 * bool, onShowAll(bool) }; `catalog` gives the verdicts' labels.
 */
export function renderGpus(el, r, filters = {}, catalog = null) {
  const all = Array.isArray(r.gpus) ? r.gpus : [];
  const minBytes = (Number(filters.minGib) || 0) * 2 ** 30;
  const matching = all
    .filter((g) => !filters.vendor || String(g.vendor) === filters.vendor)
    .filter((g) => !(g.memory_bytes < minBytes))
    .sort(
      (a, b) =>
        (a.memory_bytes ?? 0) - (b.memory_bytes ?? 0) ||
        byName.compare(String(a.name), String(b.name)),
    );
  const filtered = Boolean(filters.vendor) || minBytes > 0;
  const shown = filters.showAll || filtered ? matching : around(matching, filters.highlight);
  const count = layoutGpus(r);
  const counts = {fits: 0, tight: 0, fits_paged: 0, no: 0};
  for (const g of matching) if (g.verdict in counts) counts[g.verdict] += 1;
  let toggle = null;
  if (!filtered && filters.onShowAll && matching.length > around(matching, '').length) {
    toggle = h(
      'button',
      {type: 'button', class: 'small', id: 'gpu-show-all', 'aria-controls': 'gpu-table'},
      filters.showAll ? 'Show fewer' : `Show all ${matching.length} GPUs`,
    );
  }
  // The matrix is patched in place (its nodes outlive renders): the toggle's
  // click is heard on `el` and goes to the latest render's filters.
  if (!toggles.has(el))
    el.addEventListener('click', (e) => {
      if (e.target.closest('#gpu-show-all')) toggles.get(el)?.();
    });
  toggles.set(el, () => filters.onShowAll?.(!filters.showAll));
  const training = r.request && r.request.task && r.request.task !== 'inference';
  const rows = shown.map((g) => {
    const verdict = String(g.verdict ?? 'unknown');
    const head = g.headroom_bytes;
    // The maxima are what fits (maximaHeaders); a tight row's request runs
    // only past that, so its own value is named beside them: "0 (1
    // tight)", "1,871 (2,048 tight)".
    const most = (max, own) =>
      verdict === 'tight' && Number.isInteger(own) && !(max >= own)
        ? [formatInt(max), h('span', {class: 'own'}, ` (${formatInt(own)} tight)`)]
        : formatInt(max);
    return h(
      'tr',
      {class: `v-${verdict}${g.id === filters.highlight ? ' highlight' : ''}`, 'data-gpu': g.id},
      h(
        'th',
        {scope: 'row'},
        String(g.name ?? g.id),
        h('span', {class: 'vendor'}, ` ${vendorLabel(catalog, String(g.vendor ?? ''))}`),
      ),
      h(
        'td',
        {
          class: 'num',
          title:
            typeof g.usable_bytes === 'number' ? `usable ${formatGiB(g.usable_bytes, 2)}` : null,
        },
        formatGiB(g.memory_bytes, 1),
      ),
      h('td', {}, h('span', {class: `badge ${verdict}`}, verdictLabel(catalog, verdict))),
      h(
        'td',
        {class: `num ${typeof head === 'number' && head < 0 ? 'neg' : ''}`},
        typeof head === 'number' ? `${head < 0 ? '−' : '+'}${formatGiB(Math.abs(head), 1)}` : '—',
      ),
      h('td', {class: 'num'}, most(g.max_batch_size, r.request?.batch_size)),
      h('td', {class: 'num'}, most(g.max_seq_len, r.request?.seq_len)),
      h(
        'td',
        {class: 'num'},
        typeof g.tokens_per_s === 'number'
          ? g.tokens_per_s.toFixed(g.tokens_per_s < 100 ? 1 : 0)
          : '—',
      ),
    );
  });
  patch(
    el,
    h(
      'p',
      {class: 'gpu-counts', id: 'gpu-counts'},
      `${matching.length} of ${all.length} GPUs: ${counts.fits} fit, ${counts.tight} tight, ${
        counts.fits_paged ? `${counts.fits_paged} fit by paging, ` : ''
      }${counts.no} do not fit${shown.length < matching.length ? `; ${shown.length} shown` : ''}${
        count > 1 ? `; each row is ${formatInt(count)} of that GPU, figures per GPU` : ''
      }`,
    ),
    h(
      'div',
      {class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'GPU fit matrix'},
      h(
        'table',
        {class: 'gpus', id: 'gpu-table'},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {scope: 'col'}, 'GPU'),
            h('th', {scope: 'col', class: 'num'}, 'Memory'),
            h('th', {scope: 'col'}, 'Verdict'),
            h('th', {scope: 'col', class: 'num'}, 'Headroom'),
            ...maximaHeaders(r.request).map(([long, short, title]) =>
              h('th', {scope: 'col', class: 'num', title}, headerText(long, short)),
            ),
            h(
              'th',
              {
                scope: 'col',
                class: 'num',
                title: training
                  ? 'Training tokens/s, all GPUs, on the GPUs the request fits'
                  : 'Decode tokens/s per sequence at the batch and context chosen, on the GPUs the request fits',
              },
              headerText(training ? 'Train tok/s' : 'Decode tok/s', 'tok/s'),
            ),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
    toggle,
  );
}
