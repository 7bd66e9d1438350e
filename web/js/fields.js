// The request fields the page, the URL and the widget understand: one table.
// A field's `name` is its query-string / attribute name and is the request
// JSON path ("lora.rank" -> request.lora.rank). Values live in a "state":
// a plain object of name -> string, exactly what the URL carries.

import {checkModelId, checkRevision, normalizeEndpoint} from './hub.js';
import {hubKey} from './hub-model.js';

/**
 * Layout only: which control (kind) and where it goes (group). A request
 * field's label, help, bounds, options with labels, default and the tasks and
 * engines it applies to come from the catalogue's request field table
 * (catalog.fields, limits, enums, defaults: core/src/api/fields_table.cpp); the model box's fields
 * (group 'model') are page settings with their own label.
 * kind: enum | int | number | bool | tristate | text | list | json | gpus
 * source: where enum options come from when not catalog.enums[name]
 */
// One field per line reads as a table.
// prettier-ignore
export const FIELDS = [
  { name: 'preset', kind: 'enum', source: 'presets', group: 'model', label: 'Preset' },
  { name: 'model', kind: 'text', group: 'model', label: 'Hugging Face model id', maxLength: 200 },
  { name: 'config', kind: 'json', group: 'model', label: 'config.json', maxLength: 200000 },
  { name: 'revision', kind: 'text', group: 'model', label: 'Revision (branch, tag or commit)', maxLength: 128 },
  { name: 'gguf_file', kind: 'text', group: 'model', label: 'GGUF file', maxLength: 300 },
  { name: 'endpoint', kind: 'text', group: 'model', label: 'Hub endpoint', maxLength: 300 },
  { name: 'task', kind: 'enum', group: 'main' },
  { name: 'stack', kind: 'enum', group: 'main' },
  // A select of the chosen stack's versions (catalog.stacks[].versions), refilled by form.js.
  { name: 'stack_version', kind: 'text', group: 'main', maxLength: 40, versionsOf: 'stack' },
  { name: 'weights_dtype', kind: 'enum', source: 'dtypes', group: 'main', unset: 'auto' },
  { name: 'batch_size', kind: 'int', group: 'main' },
  { name: 'seq_len', kind: 'int', group: 'main' },
  { name: 'prompt_len', kind: 'int', group: 'inference' },
  { name: 'inference_mode', kind: 'enum', group: 'inference' },
  { name: 'hf_cache', kind: 'enum', group: 'inference' },
  { name: 'engine', kind: 'enum', group: 'inference' },
  { name: 'kv_cache_dtype', kind: 'enum', group: 'inference', unset: 'compute dtype' },
  { name: 'gpu_memory_utilization', kind: 'number', group: 'inference' },
  { name: 'max_num_batched_tokens', kind: 'int', group: 'inference' },
  { name: 'max_num_seqs', kind: 'int', group: 'inference' },
  { name: 'max_model_len', kind: 'int', group: 'inference' },
  { name: 'block_size', kind: 'int', group: 'inference' },
  { name: 'n_gpu_layers', kind: 'int', group: 'inference' },
  { name: 'n_ubatch', kind: 'int', group: 'inference' },
  { name: 'n_batch', kind: 'int', group: 'inference' },
  { name: 'flash_attn', kind: 'enum', group: 'inference' },
  { name: 'cache_type_k', kind: 'text', group: 'inference', maxLength: 16 },
  { name: 'cache_type_v', kind: 'text', group: 'inference', maxLength: 16 },
  { name: 'n_parallel', kind: 'int', group: 'inference' },
  { name: 'n_cpu_moe', kind: 'int', group: 'inference' },
  { name: 'mem_fraction_static', kind: 'number', group: 'inference' },
  { name: 'chunked_prefill_size', kind: 'int', group: 'inference' },
  { name: 'cuda_graph_max_bs', kind: 'int', group: 'inference' },
  { name: 'precision', kind: 'enum', group: 'training' },
  { name: 'optimizer', kind: 'enum', group: 'training' },
  { name: 'gradient_checkpointing', kind: 'bool', group: 'training' },
  { name: 'gradient_accumulation_steps', kind: 'int', group: 'training' },
  { name: 'loss', kind: 'enum', group: 'training' },
  { name: 'autocast', kind: 'tristate', group: 'training-adv' },
  { name: 'optimizer_in_backward', kind: 'bool', group: 'training-adv' },
  { name: 'eval.batch_size', kind: 'int', group: 'training-adv' },
  { name: 'eval.seq_len', kind: 'int', group: 'training-adv' },
  { name: 'train_tokens', kind: 'int', group: 'training-adv' },
  { name: 'dataset_tokens', kind: 'int', group: 'training-adv' },
  { name: 'epochs', kind: 'number', group: 'training-adv' },
  { name: 'price_per_gpu_hour', kind: 'number', group: 'training-adv' },
  { name: 'lora.rank', kind: 'int', group: 'lora' },
  { name: 'lora.alpha', kind: 'number', group: 'lora' },
  { name: 'lora.targets', kind: 'list', group: 'lora', maxLength: 500 },
  { name: 'lora.dropout', kind: 'number', group: 'lora' },
  { name: 'lora.dtype', kind: 'enum', group: 'lora' },
  { name: 'attention', kind: 'enum', group: 'advanced' },
  { name: 'cuda_context_mib', kind: 'int', group: 'advanced' },
  { name: 'fragmentation', kind: 'number', group: 'advanced' },
  { name: 'expandable_segments', kind: 'bool', group: 'advanced' },
  { name: 'search', kind: 'bool', group: 'advanced' },
  { name: 'parallel.tp', kind: 'int', group: 'parallel' },
  { name: 'parallel.pp', kind: 'int', group: 'parallel' },
  { name: 'parallel.dp', kind: 'int', group: 'parallel' },
  { name: 'parallel.ep', kind: 'int', group: 'parallel' },
  { name: 'parallel.microbatches', kind: 'int', group: 'parallel' },
  { name: 'parallel.zero', kind: 'int', group: 'parallel' },
  { name: 'parallel.fsdp', kind: 'bool', group: 'parallel' },
  { name: 'parallel.offload_optimizer', kind: 'bool', group: 'parallel' },
  { name: 'parallel.offload_params', kind: 'bool', group: 'parallel' },
  { name: 'parallel.reduce_bucket_size', kind: 'int', group: 'parallel' },
  { name: 'parallel.overlap_comm', kind: 'tristate', group: 'parallel' },
  { name: 'gpu', kind: 'enum', source: 'gpus', group: 'gpu', unset: 'none' },
  { name: 'gpus', kind: 'int', group: 'gpu' },
  { name: 'custom_gpus', kind: 'gpus', group: 'gpu', maxLength: 2000 },
];

export const FIELD_BY_NAME = new Map(FIELDS.map((f) => [f.name, f]));

/** Page-only settings that are not request fields but still live in the URL. */
export const VIEW_PARAMS = ['vendor', 'min_gib', 'embed'];

// catalog.fields as a Map by path, built once per catalogue object.
const fieldTables = new WeakMap();
function fieldTable(catalog) {
  if (!catalog || !Array.isArray(catalog.fields)) return new Map();
  let t = fieldTables.get(catalog);
  if (!t) {
    t = new Map(catalog.fields.map((f) => [f.path, f]));
    fieldTables.set(catalog, t);
  }
  return t;
}

/** The core's description of a request field (label, help, unit...), or undefined. */
export function fieldInfo(field, catalog) {
  return fieldTable(catalog).get(field.name);
}

/**
 * Whether a request field applies to the state's task and engine: the
 * catalogue's fields[].tasks and .engines (a field without them applies to
 * all). Without a catalogue every field applies.
 */
export function applies(field, state, catalog) {
  const info = fieldInfo(field, catalog);
  if (!info) return true;
  const chosen = (name) => state[name] || String(catalog?.defaults?.[name] ?? '');
  if (Array.isArray(info.tasks) && !info.tasks.includes(chosen('task'))) return false;
  if (Array.isArray(info.engines) && !info.engines.includes(chosen('engine'))) return false;
  return true;
}

/** The field's label: the page's own, the catalogue's, else its name. */
export function fieldLabel(field, catalog) {
  return field.label ?? fieldInfo(field, catalog)?.label ?? field.name;
}

/** {min, max} of a numeric field from catalog.limits, or null. */
export function limitsFor(name, catalog) {
  const l = catalog?.limits?.[name];
  return l && Number.isFinite(l.min) && Number.isFinite(l.max) ? l : null;
}

function asOption(item) {
  if (item === null || item === undefined) return null;
  if (typeof item !== 'object') return {value: String(item), label: String(item)};
  const value = item.id ?? item.value ?? item.name;
  if (value === undefined) return null;
  const label = item.label ?? item.name ?? String(value);
  return {value: String(value), label: String(label), item};
}

/** Options of an enum field from the catalogue, or null when it has none. */
/** The versions of the stack `state` names (else the catalogue's default stack), as options. */
export function stackVersionOptions(state, catalog) {
  const id = state.stack || catalog?.defaults?.stack;
  const stack = (catalog?.stacks ?? []).find((s) => s.id === id);
  return (stack?.versions ?? []).map((v) => ({
    value: v.id,
    label: v.name && v.name !== v.id ? `${v.id}: ${v.name}` : v.id,
  }));
}

export function optionsFor(field, catalog) {
  if (!catalog || field.kind !== 'enum') return null;
  let list = null;
  const enums = catalog.enums ?? {};
  if (field.source === 'presets') list = catalog.presets;
  else if (field.source === 'gpus') list = catalog.gpus;
  else if (field.source === 'dtypes') list = enums.weights_dtype ?? catalog.dtypes;
  else if (field.name === 'kv_cache_dtype') {
    // The dtype records carry the labels; enums.kv_cache_dtype says which.
    const ids = enums.kv_cache_dtype;
    list = Array.isArray(catalog.dtypes)
      ? catalog.dtypes.filter((d) => d && (ids ? ids.includes(d.id) : d.kv_cache))
      : ids;
  } else list = enums[field.name] ?? null;
  if (!Array.isArray(list) || list.length === 0) return null;
  // Request enums: the value's human label from the field table.
  const labels = new Map((fieldInfo(field, catalog)?.values ?? []).map((v) => [v.id, v.label]));
  return list
    .map((item) => asOption(labels.has(item) ? {id: item, label: labels.get(item)} : item))
    .filter(Boolean);
}

/** Default state from the catalogue's `defaults` (flattened to names). */
export function defaultState(catalog) {
  const out = {};
  const walk = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj ?? {})) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, name);
      else if (FIELD_BY_NAME.has(name)) out[name] = Array.isArray(v) ? v.join(',') : String(v);
    }
  };
  walk(catalog?.defaults, '');
  return out;
}

/** The catalogue's default preset (defaults.preset, or the first preset). */
const PREFERRED_PRESETS = [
  'meta-llama/Llama-3.1-8B',
  'meta-llama/Llama-3.1-8B-Instruct',
  'Qwen/Qwen3-8B',
];

export function defaultPreset(catalog) {
  const d = catalog?.defaults?.preset ?? catalog?.defaults?.model?.preset;
  if (d) return String(d);
  const ids = (catalog?.presets ?? []).map((p) => String(p?.id ?? p));
  return PREFERRED_PRESETS.find((id) => ids.includes(id)) ?? ids[0] ?? '';
}

/** The page's defaults: the catalogue's, with its default preset. */
export function pageDefaults(catalog) {
  const d = defaultState(catalog);
  if (!d.preset && defaultPreset(catalog)) d.preset = defaultPreset(catalog);
  return d;
}

/**
 * Defaults overlaid with given values (URL or attributes). A given Hub id or
 * config replaces the preset; with no model at all, the default preset.
 */
export function initialState(catalog, given, defaults = defaultState(catalog)) {
  const state = {...defaults, ...given};
  if (given.model || given.config) delete state.preset;
  if (!state.preset && !state.model && !state.config) {
    const p = defaultPreset(catalog);
    if (p) state.preset = p;
  }
  return state;
}

/**
 * Checks one raw string for a field. Returns { ok, value, message }: `value`
 * is the typed request value. Bounds and enum options come from the
 * catalogue; without it (or when it lists none) any number or short token is
 * accepted and the core has the last word.
 */
export function checkValue(field, raw, catalog) {
  const text = String(raw);
  const fail = (message) => ({ok: false, value: undefined, message});
  const lim = limitsFor(field.name, catalog);
  const inLimits = (n) => {
    if (lim && (n < lim.min || n > lim.max))
      return fail(`must be between ${lim.min} and ${lim.max}`);
    return {ok: true, value: n};
  };
  if (text.length > (field.maxLength ?? 100)) return fail('is too long');
  switch (field.kind) {
    case 'int': {
      if (!/^\d+$/.test(text.trim()))
        return fail(`must be a whole number${lim ? ` from ${lim.min} to ${lim.max}` : ''}`);
      return inLimits(Number(text.trim()));
    }
    case 'number': {
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n)) return fail('must be a number');
      return inLimits(n);
    }
    case 'tristate':
    case 'bool': {
      const t = text.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(t)) return {ok: true, value: true};
      if (['false', '0', 'no', 'off'].includes(t)) return {ok: true, value: false};
      return fail('must be true or false');
    }
    case 'enum': {
      const opts = optionsFor(field, catalog);
      if (opts && !opts.some((o) => o.value === text)) {
        // Catalogue aliases ("4090", "bfloat16") resolve to the canonical id.
        const t = text.toLowerCase();
        const hit = opts.find(
          (o) =>
            o.value.toLowerCase() === t ||
            (Array.isArray(o.item?.aliases) &&
              o.item.aliases.some((a) => String(a).toLowerCase() === t)),
        );
        if (!hit) return fail(`unknown value "${text}"`);
        return {ok: true, value: hit.value};
      }
      if (!opts && !/^[\w.\-/: +]{1,100}$/.test(text)) return fail(`invalid value "${text}"`);
      return {
        ok: true,
        value: field.name.startsWith('parallel.') && /^\d+$/.test(text) ? Number(text) : text,
      };
    }
    case 'list': {
      const items = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (items.some((s) => !/^[\w.\-*]{1,80}$/.test(s)))
        return fail('must be comma-separated module names');
      if (items.length === 1 && items[0] === 'all-linear') return {ok: true, value: 'all-linear'};
      return {ok: true, value: items};
    }
    case 'json': {
      try {
        const value = JSON.parse(text);
        if (!value || typeof value !== 'object' || Array.isArray(value))
          return fail('must be a JSON object');
        return {ok: true, value};
      } catch (e) {
        return fail(`is not valid JSON: ${e.message}`);
      }
    }
    case 'gpus':
      // "name:GiB,name:GiB" goes to the core as is: it parses the text and
      // reports a bad item at custom_gpus[i] (core/SCHEMA.md custom_gpus).
      return {ok: true, value: text};
    default: {
      const checkHub = HUB_CHECKS[field.name];
      if (checkHub) {
        try {
          return {ok: true, value: checkHub(text)};
        } catch (e) {
          return fail(e.message);
        }
      }
      return {ok: true, value: text.trim()};
    }
  }
}

// Hub settings share the Hub client's checks (hub.js).
const HUB_CHECKS = {
  model: checkModelId,
  revision: checkRevision,
  endpoint: normalizeEndpoint,
  gguf_file: (text) => {
    const f = text.trim();
    if (!/\.gguf$/i.test(f) || f.startsWith('/') || f.includes('..') || f.includes('\\'))
      throw new Error(`"${f.slice(0, 80)}" is not a .gguf file of the repo`);
    return f;
  },
};

function setPath(obj, path, value) {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k];
  }
  cur[keys[keys.length - 1]] = value;
}

/**
 * Turns a state into a request object. `configs` maps hubKey(state) to a
 * loaded repo {config, checkpoint?}. Returns { request, problems }; fields that fail their check
 * are left out (the core then uses its default) and reported in `problems`.
 * `request` is null when no model is chosen (or its config is not loaded).
 */
export function stateToRequest(state, catalog, configs = new Map()) {
  const request = {};
  const problems = [];
  for (const field of FIELDS) {
    const raw = state[field.name];
    if (raw === undefined || raw === '' || field.group === 'model') continue;
    if (!applies(field, state, catalog)) continue;
    const r = checkValue(field, raw, catalog);
    if (!r.ok) problems.push({name: field.name, message: r.message});
    else setPath(request, field.name, r.value);
  }
  let model = null;
  const idCheck = state.model ? checkValue(FIELD_BY_NAME.get('model'), state.model, catalog) : null;
  if (state.config) {
    const r = checkValue(FIELD_BY_NAME.get('config'), state.config, catalog);
    if (!r.ok) problems.push({name: 'config', message: r.message});
    else model = {config: r.value, id: state.model ? String(state.model) : 'custom'};
  } else if (state.model) {
    if (!idCheck.ok) problems.push({name: 'model', message: idCheck.message});
    else {
      // A loaded repo: {config, checkpoint?} (model-source.js, hub-model.js).
      const entry = configs.get(hubKey({...state, model: idCheck.value}));
      if (entry) {
        model = {config: entry.config, id: idCheck.value};
        if (entry.checkpoint) model.checkpoint = entry.checkpoint;
      }
    }
  } else if (state.preset) {
    const r = checkValue(FIELD_BY_NAME.get('preset'), state.preset, catalog);
    if (!r.ok) problems.push({name: 'preset', message: r.message});
    else model = {preset: r.value};
  }
  if (!model) return {request: null, problems};
  return {request: {model, ...request}, problems};
}
