// The request fields the page, the URL and the widget understand: one table.
// A field's `name` is its query-string / attribute name and is the request
// JSON path ("lora.rank" -> request.lora.rank). Values live in a "state":
// a plain object of name -> string, exactly what the URL carries.

import {checkModelId, checkRevision, normalizeEndpoint} from './hub.js';
import {hubKey} from './hub-model.js';

const TRAINING = ['full', 'lora', 'qlora', 'dora', 'qdora'];
const ADAPTERS = ['lora', 'qlora', 'dora', 'qdora'];

const isTraining = (s) => TRAINING.includes(s.task);
const isInference = (s) => !isTraining(s);
const isAdapter = (s) => ADAPTERS.includes(s.task);
const isVllm = (s) => isInference(s) && s.engine === 'vllm';

/**
 * kind: enum | int | number | bool | tristate | text | list | json | gpus
 * source: where enum options come from in the catalogue
 * group: the form container (data-fields="<group>") the control goes in
 * when: the field applies only when this is true for the state
 */
// One field per line reads as a table.
// clang-format off
export const FIELDS = [
  { name: 'preset', kind: 'enum', source: 'presets', group: 'model', label: 'Preset' },
  { name: 'model', kind: 'text', group: 'model', label: 'Hugging Face model id', maxLength: 200 },
  { name: 'config', kind: 'json', group: 'model', label: 'config.json', maxLength: 200000 },
  { name: 'revision', kind: 'text', group: 'model', label: 'Revision (branch, tag or commit)', maxLength: 128 },
  { name: 'gguf_file', kind: 'text', group: 'model', label: 'GGUF file', maxLength: 300 },
  { name: 'endpoint', kind: 'text', group: 'model', label: 'Hub endpoint', maxLength: 300 },
  { name: 'task', kind: 'enum', source: 'task', group: 'main', label: 'Task' },
  { name: 'weights_dtype', kind: 'enum', source: 'dtypes', group: 'main', label: 'Weights dtype', unset: 'auto' },
  { name: 'batch_size', kind: 'int', min: 1, max: 1 << 20, group: 'main', label: 'Batch size' },
  { name: 'seq_len', kind: 'int', min: 1, max: 1 << 24, group: 'main', label: 'Sequence length (tokens)' },
  { name: 'prompt_len', kind: 'int', min: 1, max: 1 << 24, group: 'inference', label: 'Prompt length (prefill)', when: isInference },
  { name: 'inference_mode', kind: 'enum', source: 'inference_mode', group: 'inference', label: 'Logits for', when: isInference },
  { name: 'engine', kind: 'enum', source: 'engine', group: 'inference', label: 'Engine', when: isInference },
  { name: 'kv_cache_dtype', kind: 'enum', source: 'kv_cache_dtype', group: 'inference', label: 'KV cache dtype', unset: 'compute dtype', when: isInference },
  { name: 'gpu_memory_utilization', kind: 'number', min: 0.01, max: 1, group: 'inference', label: 'vLLM gpu_memory_utilization', when: isVllm },
  { name: 'max_num_batched_tokens', kind: 'int', min: 1, max: 1 << 24, group: 'inference', label: 'vLLM max_num_batched_tokens', when: isVllm },
  { name: 'precision', kind: 'enum', source: 'precision', group: 'training', label: 'Training precision', when: isTraining },
  { name: 'optimizer', kind: 'enum', source: 'optimizer', group: 'training', label: 'Optimizer', when: isTraining },
  { name: 'gradient_checkpointing', kind: 'bool', group: 'training', label: 'Gradient checkpointing', when: isTraining },
  { name: 'loss', kind: 'enum', source: 'loss', group: 'training', label: 'Loss implementation', when: isTraining },
  { name: 'autocast', kind: 'tristate', group: 'training-adv', label: 'torch.autocast', when: isTraining },
  { name: 'optimizer_in_backward', kind: 'bool', group: 'training-adv', label: 'Optimizer step in backward', when: isTraining },
  { name: 'eval.batch_size', kind: 'int', min: 1, max: 1 << 20, group: 'training-adv', label: 'Eval batch size', when: isTraining },
  { name: 'eval.seq_len', kind: 'int', min: 1, max: 1 << 24, group: 'training-adv', label: 'Eval sequence length', when: isTraining },
  { name: 'lora.rank', kind: 'int', min: 1, max: 65536, group: 'lora', label: 'LoRA rank', when: isAdapter },
  { name: 'lora.alpha', kind: 'number', min: 0, max: 1e6, group: 'lora', label: 'LoRA alpha', when: isAdapter },
  { name: 'lora.targets', kind: 'list', group: 'lora', label: 'LoRA targets', maxLength: 500, when: isAdapter },
  { name: 'lora.dropout', kind: 'number', min: 0, max: 1, group: 'lora', label: 'LoRA dropout', when: isAdapter },
  { name: 'lora.dtype', kind: 'enum', source: 'lora_dtype', group: 'lora', label: 'Adapter dtype', when: isAdapter },
  { name: 'attention', kind: 'enum', source: 'attention', group: 'advanced', label: 'Attention kernel' },
  { name: 'cuda_context_mib', kind: 'int', min: 0, max: 65536, group: 'advanced', label: 'CUDA context (MiB)' },
  { name: 'fragmentation', kind: 'number', min: 0, max: 1, group: 'advanced', label: 'Allocator fragmentation (0–1)' },
  { name: 'search', kind: 'bool', group: 'advanced', label: 'Search max batch / context per GPU' },
  { name: 'parallel.tp', kind: 'int', min: 1, max: 4096, group: 'parallel', label: 'Tensor parallel (tp)' },
  { name: 'parallel.pp', kind: 'int', min: 1, max: 4096, group: 'parallel', label: 'Pipeline parallel (pp)' },
  { name: 'parallel.dp', kind: 'int', min: 1, max: 65536, group: 'parallel', label: 'Data parallel (dp)' },
  { name: 'parallel.ep', kind: 'int', min: 1, max: 4096, group: 'parallel', label: 'Expert parallel (ep)' },
  { name: 'parallel.microbatches', kind: 'int', min: 1, max: 65536, group: 'parallel', label: 'Pipeline microbatches' },
  { name: 'parallel.zero', kind: 'int', min: 0, max: 3, group: 'parallel', label: 'ZeRO stage (0–3)', when: isTraining },
  { name: 'parallel.fsdp', kind: 'bool', group: 'parallel', label: 'FSDP (= ZeRO-3)', when: isTraining },
  { name: 'parallel.offload_optimizer', kind: 'bool', group: 'parallel', label: 'Offload optimizer to CPU', when: isTraining },
  { name: 'parallel.offload_params', kind: 'bool', group: 'parallel', label: 'Offload parameters to CPU', when: isTraining },
  { name: 'gpu', kind: 'enum', source: 'gpus', group: 'gpu', label: 'Your GPU', unset: 'none' },
  { name: 'custom_gpus', kind: 'gpus', group: 'gpu', label: 'Custom GPUs', maxLength: 2000 },
];
// clang-format on

export const FIELD_BY_NAME = new Map(FIELDS.map((f) => [f.name, f]));

/** Page-only settings that are not request fields but still live in the URL. */
export const VIEW_PARAMS = ['vendor', 'min_gib', 'embed'];

function asOption(item) {
  if (item === null || item === undefined) return null;
  if (typeof item !== 'object') return {value: String(item), label: String(item)};
  const value = item.id ?? item.value ?? item.name;
  if (value === undefined) return null;
  const label = item.label ?? item.name ?? String(value);
  return {value: String(value), label: String(label), item};
}

/** Options of an enum field from the catalogue, or null when it has none. */
export function optionsFor(field, catalog) {
  if (!catalog || field.kind !== 'enum') return null;
  let list = null;
  const enums = catalog.enums ?? {};
  if (field.source === 'presets')
    list = catalog.presets;
  else if (field.source === 'gpus')
    list = catalog.gpus;
  else if (field.source === 'dtypes')
    list = enums.weights_dtype ?? catalog.dtypes;
  else if (field.source === 'lora_dtype')
    list = enums.lora_dtype ?? ['fp32', 'bf16'];
  else if (field.source === 'kv_cache_dtype') {
    list = enums.kv_cache_dtype ??
        (Array.isArray(catalog.dtypes) ? catalog.dtypes.filter((d) => d && d.kv_cache) : null);
  } else
    list = enums[field.source] ?? enums[field.name] ?? null;
  if (!Array.isArray(list) || list.length === 0) return null;
  return list.map(asOption).filter(Boolean);
}

/** Default state from the catalogue's `defaults` (flattened to names). */
export function defaultState(catalog) {
  const out = {};
  const walk = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj ?? {})) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v))
        walk(v, name);
      else if (FIELD_BY_NAME.has(name))
        out[name] = Array.isArray(v) ? v.join(',') : String(v);
    }
  };
  walk(catalog?.defaults, '');
  return out;
}

/** The catalogue's default preset (defaults.preset, or the first preset). */
const PREFERRED_PRESETS =
    ['meta-llama/Llama-3.1-8B', 'meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-8B'];

export function defaultPreset(catalog) {
  const d = catalog?.defaults?.preset ?? catalog?.defaults?.model?.preset;
  if (d) return String(d);
  const ids = (catalog?.presets ?? []).map((p) => String(p?.id ?? p));
  return PREFERRED_PRESETS.find((id) => ids.includes(id)) ?? ids[0] ?? '';
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

const GPU_ITEM = /^\s*([^:,]{1,60}?)\s*:\s*(\d+(?:\.\d+)?)\s*$/;

/** "Name:48,Other:24.5" -> [{name, memory_gib}] (core/SCHEMA.md custom_gpus). */
export function parseCustomGpus(text) {
  const gpus = [];
  for (const part of String(text).split(',')) {
    if (!part.trim()) continue;
    const m = GPU_ITEM.exec(part);
    if (!m) throw new Error(`"${part.trim()}" is not "name:GiB"`);
    const gib = Number(m[2]);
    if (!(gib > 0 && gib <= 65536)) throw new Error(`memory of "${m[1]}" must be 0–65536 GiB`);
    gpus.push({name: m[1], memory_gib: gib});
  }
  return gpus;
}

/**
 * Checks one raw string for a field. Returns { ok, value, message }: `value`
 * is the typed request value. Enum checks need the catalogue; without it (or
 * when the catalogue lists no options) any short token is accepted and the
 * core has the last word.
 */
export function checkValue(field, raw, catalog) {
  const text = String(raw);
  const fail = (message) => ({ok: false, value: undefined, message});
  if (text.length > (field.maxLength ?? 100)) return fail('is too long');
  switch (field.kind) {
    case 'int': {
      if (!/^\d+$/.test(text.trim())) return fail('must be a whole number');
      const n = Number(text.trim());
      if (n < field.min || n > field.max)
        return fail(`must be between ${field.min} and ${field.max}`);
      return {ok: true, value: n};
    }
    case 'number': {
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n)) return fail('must be a number');
      if (n < field.min || n > field.max)
        return fail(`must be between ${field.min} and ${field.max}`);
      return {ok: true, value: n};
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
            (o) => o.value.toLowerCase() === t ||
                (Array.isArray(o.item?.aliases) &&
                 o.item.aliases.some((a) => String(a).toLowerCase() === t)));
        if (!hit) return fail(`unknown value "${text}"`);
        return {ok: true, value: hit.value};
      }
      if (!opts && !/^[\w.\-/: +]{1,100}$/.test(text)) return fail(`invalid value "${text}"`);
      return {
        ok: true,
        value: field.name.startsWith('parallel.') && /^\d+$/.test(text) ? Number(text) : text
      };
    }
    case 'list': {
      const items = text.split(',').map((s) => s.trim()).filter(Boolean);
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
    case 'gpus': {
      try {
        return {ok: true, value: parseCustomGpus(text)};
      } catch (e) {
        return fail(e.message);
      }
    }
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
    if (field.when && !field.when(state)) continue;
    const r = checkValue(field, raw, catalog);
    if (!r.ok)
      problems.push({name: field.name, message: r.message});
    else if (!(field.kind === 'gpus' && r.value.length === 0))
      setPath(request, field.name, r.value);
  }
  let model = null;
  const idCheck = state.model ? checkValue(FIELD_BY_NAME.get('model'), state.model, catalog) : null;
  if (state.config) {
    const r = checkValue(FIELD_BY_NAME.get('config'), state.config, catalog);
    if (!r.ok)
      problems.push({name: 'config', message: r.message});
    else
      model = {config: r.value, id: state.model ? String(state.model) : 'custom'};
  } else if (state.model) {
    if (!idCheck.ok)
      problems.push({name: 'model', message: idCheck.message});
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
    if (!r.ok)
      problems.push({name: 'preset', message: r.message});
    else
      model = {preset: r.value};
  }
  if (!model) return {request: null, problems};
  return {request: {model, ...request}, problems};
}
