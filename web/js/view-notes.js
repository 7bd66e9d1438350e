// Recommendations and warnings from the core, rendered as text.
import {h, patch} from './dom.js';
import {formatGiB} from './format.js';
import {verdictLabel} from './labels.js';

// el -> applies the suggestion at a row of the latest render.
const applies = new WeakMap();

/**
 * Recommendations: [{ id, change, label, why, parts?, total_bytes, saves_bytes, verdict }]
 * (engine.d.ts). `change` is data: request field paths with their new values,
 * so every suggestion is applied by `onApply(change)` without reading its text.
 * `catalog` gives the verdicts' labels.
 */
export function renderRecommend(el, list, onApply, catalog = null) {
  const recs = Array.isArray(list) ? list : [];
  // The list is patched in place (its nodes outlive renders): an Apply click
  // is heard on `el` and applies the latest render's suggestion at its row.
  if (!applies.has(el))
    el.addEventListener('click', (e) => {
      const li = e.target.closest('li > button.small')?.parentElement;
      if (li && el.contains(li)) applies.get(el)?.([...li.parentElement.children].indexOf(li));
    });
  applies.set(el, (i) => {
    if (recs[i]?.change && typeof recs[i].change === 'object') onApply?.(recs[i].change);
  });
  const items = recs.map((rec) => {
    const label = String(rec.label ?? rec.id ?? '');
    const verdict = rec.verdict
      ? h('span', {class: `badge ${rec.verdict}`}, verdictLabel(catalog, rec.verdict))
      : null;
    let apply = null;
    if (rec.change && typeof rec.change === 'object' && onApply) {
      apply = h('button', {type: 'button', class: 'small'}, 'Apply');
      apply.setAttribute('aria-label', `Apply ${label}`);
    }
    return h(
      'li',
      {'data-rec': String(rec.id ?? ''), 'data-total': String(rec.total_bytes ?? '')},
      h('strong', {}, label),
      rec.why ? `: ${String(rec.why)}` : '',
      typeof rec.total_bytes === 'number' ? ` → ${formatGiB(rec.total_bytes)}` : '',
      typeof rec.saves_bytes === 'number' && rec.saves_bytes > 0
        ? h('span', {class: 'muted'}, ` (saves ${formatGiB(rec.saves_bytes)})`)
        : null,
      verdict ? ' ' : null,
      verdict,
      apply ? ' ' : null,
      apply,
    );
  });
  patch(el, items.length ? h('ul', {}, items) : null);
  el.closest('section')?.toggleAttribute('hidden', items.length === 0);
}

export function renderWarnings(el, list) {
  const items = (Array.isArray(list) ? list : []).map((w) =>
    typeof w === 'string'
      ? h('li', {}, w)
      : // The code stays data (data-code): the message is the text.
        h('li', {'data-code': w.code ?? ''}, String(w.message ?? w.code ?? '')),
  );
  patch(el, items.length ? h('ul', {}, items) : null);
  el.closest('section')?.toggleAttribute('hidden', items.length === 0);
}
