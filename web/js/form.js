// Builds the settings form from FIELDS and the catalogue, and moves values
// between the form and a state object (name -> string).
import {fill, h} from './dom.js';
import {
  applies,
  fieldInfo,
  FIELD_BY_NAME,
  fieldLabel,
  FIELDS,
  limitsFor,
  optionsFor,
  stackVersionOptions,
} from './fields.js';
import {formatCount} from './format.js';

// Help texts beyond the core's (catalog.fields[].help): how the page writes a value.
const PAGE_HELP = {
  'lora.targets': 'Comma-separated module names, e.g. q_proj,v_proj or all-linear.',
  custom_gpus:
    'name:GiB pairs, comma-separated, e.g. "My card:20, Cluster node:96"; add @gpu to name ' +
    'the chip (its SM count, which vLLM\'s profile run uses), e.g. "Node:79.19@h100".',
};

/** The id of a field's control ("parallel.tp" -> "f-parallel-tp"). */
export const controlId = (name) => `f-${name.replace(/\./g, '-')}`;

function buildControl(field, catalog, defaults) {
  const id = controlId(field.name);
  const opts = optionsFor(field, catalog);
  let control;
  const checkbox = field.kind === 'bool' && defaults[field.name] !== undefined;
  if (checkbox) {
    control = h('input', {type: 'checkbox', id, name: field.name});
  } else if (field.kind === 'bool' || field.kind === 'tristate') {
    // No catalogue default to show: let "(default)" leave the choice to the core.
    control = h(
      'select',
      {id, name: field.name},
      h('option', {value: ''}, '(default)'),
      h('option', {value: 'true'}, 'on'),
      h('option', {value: 'false'}, 'off'),
    );
  } else if (field.versionsOf) {
    // Options follow the chosen stack (update() refills them); empty = its current release.
    control = h('select', {id, name: field.name}, h('option', {value: ''}, '(current)'));
  } else if (opts) {
    control = h('select', {id, name: field.name});
    if (defaults[field.name] === undefined)
      control.appendChild(h('option', {value: ''}, `(${field.unset ?? 'default'})`));
    for (const o of opts) control.appendChild(h('option', {value: o.value}, o.label));
  } else if (field.kind === 'int' || field.kind === 'number') {
    const lim = limitsFor(field.name, catalog);
    control = h('input', {
      type: 'number',
      id,
      name: field.name,
      min: lim?.min,
      max: lim?.max,
      step: field.kind === 'int' ? 1 : 'any',
      inputmode: field.kind === 'int' ? 'numeric' : 'decimal',
      placeholder: defaults[field.name] ?? 'default',
    });
  } else {
    control = h('input', {
      type: 'text',
      id,
      name: field.name,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: field.kind === 'gpus' ? 'My GPU:48' : 'default',
    });
  }
  const info = fieldInfo(field, catalog);
  const text = PAGE_HELP[field.name] ?? info?.help;
  const help = text ? h('small', {id: `${id}-help`, class: 'help'}, text) : null;
  const label =
    fieldLabel(field, catalog) + (info?.unit && !/\(/.test(info.label) ? ` (${info.unit})` : '');
  if (help) control.setAttribute('aria-describedby', `${id}-help`);
  const wrap = checkbox
    ? h(
        'div',
        {class: 'field check', 'data-field': field.name},
        control,
        h('label', {for: id}, label),
        help,
      )
    : h(
        'div',
        {class: 'field', 'data-field': field.name},
        h('label', {for: id}, label),
        control,
        help,
      );
  return wrap;
}

// "Org/Name · 8.03 B" (plus the active count of a MoE) when the catalogue
// has counts; the id alone before they arrive.
function presetLabel(p) {
  const it = p.item ?? {};
  const size =
    typeof it.params === 'number'
      ? ` · ${formatCount(it.params)}${
          typeof it.active_params === 'number' && it.active_params !== it.params
            ? ` (${formatCount(it.active_params)} active)`
            : ''
        }`
      : '';
  const name = p.label === p.value ? p.value : `${p.label} (${p.value})`;
  return `${name}${size}`;
}

// The model box's request fields (preset, model, config, revision...).
const MODEL_FIELDS = FIELDS.filter((f) => f.group === 'model').map((f) => f.name);

// Controls written by hand in index.html (model box and GPU filters).
const MODEL_BOX = [
  'preset',
  'model',
  'config',
  'revision',
  'gguf_file',
  'endpoint',
  'vendor',
  'min_gib',
];

/**
 * Creates the controls inside `root` (elements with data-fields="<group>").
 * Returns { read(), write(state), update(state), controls }.
 */
export function buildForm(root, catalog, defaults) {
  const controls = new Map();
  for (const container of root.querySelectorAll('[data-fields]')) fill(container);
  for (const field of FIELDS) {
    if (field.group === 'model') continue;
    const container = root.querySelector(`[data-fields="${field.group}"]`);
    if (!container) continue;
    const wrap = buildControl(field, catalog, defaults);
    container.appendChild(wrap);
    controls.set(field.name, {field, wrap, el: wrap.querySelector('input,select')});
  }
  const preset = root.querySelector('#preset');
  if (preset) {
    fill(preset, h('option', {value: ''}, '— none —'));
    for (const p of optionsFor({kind: 'enum', source: 'presets'}, catalog) ?? [])
      preset.appendChild(h('option', {value: p.value}, presetLabel(p)));
  }

  /** Relabels the preset options from a catalogue with parameter counts. */
  function labelPresets(full) {
    const byId = new Map(
      (optionsFor({kind: 'enum', source: 'presets'}, full) ?? []).map((p) => [p.value, p]),
    );
    for (const o of preset?.options ?? []) {
      const p = byId.get(o.value);
      if (p) o.textContent = presetLabel(p);
    }
  }

  function update(state) {
    // Written only when it changes: each write of `hidden` restyles the field.
    for (const {field, wrap} of controls.values()) {
      const hide = !applies(field, state, catalog);
      if (wrap.hidden !== hide) wrap.hidden = hide;
    }
    for (const {field, el} of controls.values()) {
      if (!field.versionsOf) continue;
      const opts = stackVersionOptions(state, catalog);
      const stack = String(state.stack ?? '');
      const switched = el.dataset.stack !== undefined && el.dataset.stack !== stack;
      el.dataset.stack = stack;
      // Another stack chosen: its current release, not the old stack's version.
      const kept = state[field.name] ?? el.value;
      const want = switched && !opts.some((o) => o.value === kept) ? '' : kept;
      if (want !== kept) delete state[field.name];
      const ids = [...el.options].slice(1).map((o) => o.value);
      if (ids.join() !== opts.map((o) => o.value).join())
        fill(
          el,
          h('option', {value: ''}, '(current)'),
          opts.map((o) => h('option', {value: o.value}, o.label)),
        );
      // A version the stack lacks stays visible, so the core's error can name it.
      if (want && !opts.some((o) => o.value === want))
        el.appendChild(h('option', {value: want}, want));
      if (el.value !== (want ?? '')) el.value = want ?? '';
    }
    for (const group of root.querySelectorAll('[data-group-box]')) {
      const fields = [...group.querySelectorAll('[data-field]')];
      const hide = fields.length > 0 && fields.every((f) => f.hidden);
      if (group.hidden !== hide) group.hidden = hide;
    }
  }

  function read() {
    const state = {};
    for (const {field, el} of controls.values()) {
      if (el.type !== 'checkbox') state[field.name] = el.value.trim();
      else if (el.checked || defaults[field.name] !== undefined)
        state[field.name] = String(el.checked);
    }
    for (const name of MODEL_BOX) {
      const el = root.querySelector(`#${name}`);
      if (el) state[name] = name === 'config' ? el.value : el.value.trim();
    }
    for (const {field} of controls.values()) {
      if (!applies(field, state)) delete state[field.name];
    }
    for (const [k, v] of Object.entries(state)) if (v === '') delete state[k];
    return state;
  }

  function write(state) {
    for (const {field, el} of controls.values()) {
      const v = state[field.name] ?? defaults[field.name] ?? '';
      if (el.type === 'checkbox')
        el.checked = ['true', '1', 'yes', 'on'].includes(String(v).toLowerCase());
      else if (el.tagName === 'SELECT' && ![...el.options].some((o) => o.value === v))
        el.value = el.options[0]?.value ?? '';
      else el.value = v;
    }
    for (const name of MODEL_BOX) {
      const el = root.querySelector(`#${name}`);
      if (el) el.value = state[name] ?? '';
    }
    update(state);
  }

  /** The control of a request field path ("lora.rank", "custom_gpus[1]"), or undefined. */
  function controlOf(path) {
    const key = String(path).replace(/^request\./, '');
    return (
      controls.get(key) ??
      [...controls.values()].find(
        (x) => key.startsWith(`${x.field.name}.`) || key.startsWith(`${x.field.name}[`),
      )
    );
  }

  /**
   * The model box's field (fields.js group 'model') a core path belongs to:
   * "model.config.x" -> config, "model.checkpoint.x" -> model (the Hub
   * download it came from), other "model.*" -> preset; else undefined.
   */
  function modelBoxField(key) {
    if (key === 'config' || key.startsWith('model.config')) return 'config';
    if (key === 'model' || key === 'model.id' || key.startsWith('model.checkpoint')) return 'model';
    if (MODEL_FIELDS.includes(key)) return key;
    return key.startsWith('model') ? 'preset' : undefined;
  }

  /**
   * A field path the core names, in the form's words: its control's label,
   * with the item of a list ("custom_gpus[1]" -> "Custom GPUs, item 2"), or
   * the config.json key ("model.config.hidden_size" -> "config.json:
   * hidden_size"), or the model box field's label; else the path itself.
   */
  function describe(path) {
    const key = String(path).replace(/^request\./, '');
    const c = controlOf(key);
    if (c) {
      const item = /^\[(\d+)\]/.exec(key.slice(c.field.name.length));
      const label = fieldLabel(c.field, catalog);
      return item ? `${label}, item ${Number(item[1]) + 1}` : label;
    }
    if (key.startsWith('model.config.')) return `config.json: ${key.slice(13)}`;
    const box = modelBoxField(key);
    return box ? fieldLabel(FIELD_BY_NAME.get(box), catalog) : key;
  }

  /** Marks the control of a request field (e.g. "lora.rank") invalid. */
  function markInvalid(names) {
    for (const {el} of controls.values()) el.removeAttribute('aria-invalid');
    for (const id of MODEL_FIELDS) root.querySelector(`#${id}`)?.removeAttribute('aria-invalid');
    for (const name of names) {
      const key = String(name).replace(/^request\./, '');
      const box = modelBoxField(key);
      const el = controlOf(key)?.el ?? (box && root.querySelector(`#${box}`));
      el?.setAttribute('aria-invalid', 'true');
    }
  }

  return {read, write, update, markInvalid, describe, labelPresets, controls};
}
