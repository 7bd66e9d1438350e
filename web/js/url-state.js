// State <-> query string. Parameter names are the request JSON paths
// (preset, task, batch_size, lora.rank, parallel.tp...), see fields.js.
import {checkValue, FIELD_BY_NAME, FIELDS, VIEW_PARAMS} from './fields.js';

const VIEW_CHECKS = {
  vendor: (v) => /^[\w\- ]{1,40}$/.test(v),
  min_gib: (v) => /^\d{1,5}(\.\d+)?$/.test(v),
  embed: (v) => v === '1' || v === '0',
};

/**
 * Reads a query string (or URLSearchParams, or a name -> value object).
 * Returns { state, problems }: valid values land in `state` as strings,
 * invalid or unknown ones become { name, message } problems.
 */
export function parseQuery(query, catalog) {
  const params =
    query instanceof URLSearchParams
      ? query
      : typeof query === 'string'
        ? new URLSearchParams(query)
        : new URLSearchParams(Object.entries(query ?? {}));
  const state = {};
  const problems = [];
  for (const [name, raw] of params) {
    const field = FIELD_BY_NAME.get(name);
    if (field) {
      const r = checkValue(field, raw, catalog);
      // A malformed Hub id or config stays in the state: the page shows the
      // problem next to the text the user gave, and sends nothing for it.
      if (r.ok && ['bool', 'tristate', 'enum'].includes(field.kind)) state[name] = String(r.value);
      else if (r.ok || name === 'model' || name === 'config') state[name] = raw;
      if (!r.ok) problems.push({name, message: r.message});
    } else if (VIEW_PARAMS.includes(name)) {
      if (VIEW_CHECKS[name](raw)) state[name] = raw;
      else problems.push({name, message: `invalid ${name} "${raw}"`});
    } else {
      problems.push({name, message: `unknown parameter "${name}" ignored`});
    }
  }
  return {state, problems};
}

/** State -> query string without "?"; defaults and empty values are left out. */
export function stateToQuery(state, defaults = {}) {
  const params = new URLSearchParams();
  const names = [...FIELDS.map((f) => f.name), ...VIEW_PARAMS];
  for (const name of names) {
    const v = state[name];
    if (v === undefined || v === null || v === '') continue;
    if (defaults[name] !== undefined && String(defaults[name]) === String(v)) continue;
    if (name === 'embed' && v !== '1') continue;
    params.set(name, String(v));
  }
  return params.toString();
}

/** The request-relevant subset of a state (drops view-only params). */
export function requestState(state) {
  const out = {};
  for (const [k, v] of Object.entries(state)) if (FIELD_BY_NAME.has(k)) out[k] = v;
  return out;
}
