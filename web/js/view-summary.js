// The headline: total with its likely band, in GiB and GB, and which
// PyTorch / nvidia-smi figure each number is comparable to.
import {fill, h, patch} from './dom.js';
import {formatCount, formatGB, formatGiB, formatInt} from './format.js';
import {dtypeLabel, layoutGpus, phaseLabel, verdictLabel} from './labels.js';

function modelLine(r, catalog) {
  const m = r.model ?? {};
  const name = m.id || m.name || 'custom model';
  const bits = [];
  if (m.model_type) bits.push(String(m.model_type));
  const p = r.params ?? {};
  if (typeof p.total === 'number') bits.push(`${formatCount(p.total)} params`);
  if (typeof p.active === 'number' && p.active !== p.total)
    bits.push(`${formatCount(p.active)} active`);
  if (typeof p.trainable === 'number' && p.trainable > 0)
    bits.push(`${formatCount(p.trainable)} trainable`);
  const wf = r.weights_format;
  if (wf?.dtype)
    bits.push(
      `weights ${dtypeLabel(catalog, wf.dtype)}${
        typeof wf.bits === 'number' ? ` (${Number(wf.bits.toFixed(3))} bits)` : ''
      }`,
    );
  return h(
    'p',
    {class: 'model-line'},
    h('strong', {id: 'model-name'}, String(name)),
    bits.length ? ` · ${bits.join(' · ')}` : '',
    m.approximate ? h('span', {class: 'muted'}, ' · approximate architecture') : null,
  );
}

/**
 * The answer in words, under the total: for the request's `gpu` ("[fits] on
 * the RTX 4090 with 3.1 GiB to spare", "[does not fit] on the T4: 2.3 GiB
 * short; needs 2 x T4; 3 ways to make it fit below", counting the suggestions
 * that fit);
 * without one, how many GPUs it fits and the smallest of them.
 */
function verdictLine(r, catalog) {
  const t = r.target;
  const fitting = (r.recommend ?? []).filter((x) => x?.verdict === 'fits').length;
  if (t && typeof t === 'object') {
    const name = String(t.name ?? t.id);
    // Several GPUs (the `gpus` field or a parallel layout): "on 2 x H100 SXM
    // (tensor parallel 2)", with the spare memory of each.
    const count = layoutGpus(r);
    const on =
      count > 1
        ? ` on ${gpusName(t.id, r, catalog)} (${String(r.layout.label)})`
        : ` on the ${name}`;
    const each = count > 1 ? ' each' : '';
    const head = t.headroom_bytes;
    // The fewest of this GPU that hold it (the core's gpus_needed, by the
    // same verdict; its layout is the more_gpus suggestion below). Said only
    // when more than the run has: as many means another layout of the same
    // GPUs (the shard suggestion).
    const needed = Number(t.gpus_needed?.count) || 0;
    // After the verdict's badge ("does not fit"): " on the T4: 2.3 GiB short; …".
    const spare = typeof head === 'number' ? formatGiB(Math.max(head, 0), 1) : '';
    const words =
      t.verdict === 'fits_paged'
        ? [
            `${on}: all but the paged optimizer states fits; those move to host memory`,
            ' as the card fills (slower steps)',
          ]
        : t.verdict === 'no'
          ? [
              on,
              typeof head === 'number' ? `: ${formatGiB(-head, 1)} short${each}` : '',
              needed > Math.max(count, 1) ? `; needs ${formatInt(needed)} x ${name}` : '',
              fitting ? `; ${fitting} ${fitting === 1 ? 'way' : 'ways'} to make it fit below` : '',
            ]
          : [
              on,
              spare
                ? t.verdict === 'tight'
                  ? `: ${spare} to spare${each}, inside the 5 % safety reserve`
                  : ` with ${spare} to spare${each}`
                : '',
              t.verdict === 'fits' && typeof t.max_batch_size === 'number' && t.max_batch_size > 1
                ? ` (up to ${formatInt(t.max_batch_size)} sequences)`
                : '',
            ];
    return h(
      'p',
      {class: 'target', id: 'target'},
      h('span', {class: `badge ${t.verdict}`}, verdictLabel(catalog, t.verdict)),
      `${words.join('')}.`,
    );
  }
  const gpus = (r.gpus ?? []).filter((g) => !g.custom);
  if (!gpus.length) return null;
  const fits = gpus.filter((g) => g.verdict === 'fits');
  const smallest = fits.reduce((a, g) => (!a || g.memory_bytes < a.memory_bytes ? g : a), null);
  const count = layoutGpus(r);
  const per = count > 1 ? ` as ${formatInt(count)} of each` : '';
  return h(
    'p',
    {class: 'target', id: 'target'},
    fits.length
      ? `Fits ${fits.length} of ${gpus.length} GPUs${per}; the smallest: ${String(smallest.name)}.`
      : `Fits none of the ${gpus.length} GPUs${per || ' on one card'}${
          fitting ? `; ${fitting} ${fitting === 1 ? 'way' : 'ways'} to make it fit below` : ''
        }.`,
    ' Choose your GPU in the workload for its verdict.',
  );
}

const MIB = 1048576;

/** A GPU id as its catalogue name (the fit matrix's, else the catalogue's). */
function gpuName(id, r, catalog) {
  return (
    (r.gpus ?? []).find((g) => g.id === id)?.name ??
    catalog?.gpus?.find((g) => g.id === id)?.name ??
    'the GPU'
  );
}

/** "H100 SXM", or "2 x H100 SXM" when the layout spans several (figures per GPU). */
function gpusName(id, r, catalog) {
  const count = layoutGpus(r);
  return `${count > 1 ? `${formatInt(count)} x ` : ''}${String(gpuName(id, r, catalog))}`;
}

/**
 * vLLM's own start-up answer (response engine.vllm, core/src/engine/vllm.cpp),
 * in the terms vLLM logs: KV cache, tokens, concurrency; or its refusal with
 * the largest max_model_len that starts.
 */
function vllmLine(v, r, catalog) {
  if (!v || typeof v !== 'object') return null;
  const on = `vLLM on ${gpusName(v.gpu, r, catalog)}: `;
  if (v.starts === false) {
    return h(
      'p',
      {class: 'engine-line', id: 'engine-line'},
      on,
      h('span', {class: 'badge no'}, 'would not start'),
      typeof v.largest_max_model_len === 'number' && v.largest_max_model_len > 0
        ? ` · largest max_model_len that starts: ${formatInt(v.largest_max_model_len)} tokens`
        : ' · no max_model_len starts',
      v.refusal ? h('span', {class: 'muted'}, ` (${String(v.refusal)})`) : null,
    );
  }
  return h(
    'p',
    {class: 'engine-line', id: 'engine-line'},
    on,
    typeof v.available_kv_cache_memory_bytes === 'number'
      ? `KV cache ${formatGiB(v.available_kv_cache_memory_bytes)}`
      : '',
    typeof v.kv_cache_size_tokens === 'number'
      ? ` = ${formatInt(v.kv_cache_size_tokens)} tokens`
      : '',
    typeof v.max_concurrency === 'number' && typeof v.max_model_len === 'number'
      ? ` · max concurrency ${v.max_concurrency.toFixed(2)}x at ${formatInt(v.max_model_len)} tokens`
      : '',
  );
}

/**
 * SGLang's start-up answer (response engine.sglang, core/src/engine/sglang.cpp)
 * in the terms it logs: the KV pool's max_total_num_tokens and concurrency at
 * the context length, or its refusal with the smallest mem_fraction_static.
 */
function sglangLine(v, r, catalog) {
  if (!v || typeof v !== 'object') return null;
  const on = `SGLang on ${gpusName(v.gpu, r, catalog)}: `;
  const fraction = h('span', {class: 'muted'}, ` · mem_fraction_static ${v.mem_fraction_static}`);
  if (v.starts === false) {
    return h(
      'p',
      {class: 'engine-line', id: 'engine-line'},
      on,
      h('span', {class: 'badge no'}, 'would not start'),
      typeof v.min_mem_fraction_static === 'number'
        ? ` · smallest mem_fraction_static that starts: ${v.min_mem_fraction_static}`
        : '',
      fraction,
    );
  }
  return h(
    'p',
    {class: 'engine-line', id: 'engine-line'},
    on,
    typeof v.kv_cache_bytes === 'number' ? `KV pool ${formatGiB(v.kv_cache_bytes)}` : '',
    typeof v.max_total_num_tokens === 'number'
      ? ` = ${formatInt(v.max_total_num_tokens)} tokens`
      : '',
    // Concurrency is per request of seq_len tokens, capped at the context length.
    typeof v.max_concurrency === 'number' && typeof v.context_len === 'number'
      ? ` · max concurrency ${v.max_concurrency.toFixed(2)}x at ${formatInt(
          Math.min(Number(r.request?.seq_len ?? v.context_len), v.context_len),
        )} tokens`
      : '',
    fraction,
  );
}

/**
 * llama.cpp's or Ollama's layer split on the named GPU (response
 * engine.llama_cpp.max_n_gpu_layers / engine.ollama, core/src/engine):
 * "33 of 33 layers on RTX 3060 12GB, 1.2 GiB to spare".
 */
function ggufLine(r, catalog) {
  const l = r.engine?.llama_cpp;
  const o = r.engine?.ollama;
  let head = null;
  let layers = 0;
  let total = 0;
  let spare = null;
  let host = 0;
  let gpu = '';
  let extra = '';
  if (l && typeof l === 'object' && l.max_n_gpu_layers) {
    const x = l.max_n_gpu_layers;
    head = 'llama.cpp';
    gpu = gpuName(x.gpu, r, catalog);
    layers = x.n_gpu_layers;
    total = l.n_layer + 1;
    spare = x.spare_mib;
    host = x.host_mib ?? 0;
    extra = ` · ${formatInt(l.n_ctx)} tokens of context`;
  } else if (o && typeof o === 'object' && o.gpu) {
    head = 'Ollama';
    gpu = gpuName(o.gpu, r, catalog);
    layers = o.layers_offload;
    total = o.layers_model;
    spare = o.spare_mib;
    host = o.host_mib ?? 0;
    extra = ` · num_ctx ${formatInt(o.num_ctx)}${
      o.num_parallel > 1 ? ` × ${o.num_parallel} parallel` : ''
    }, batch ${o.num_batch}`;
  }
  if (!head) return null;
  if (typeof layers !== 'number' || layers < 0) {
    return h(
      'p',
      {class: 'engine-line', id: 'engine-line'},
      `${head}: `,
      h('span', {class: 'badge no'}, `no layer fits on ${String(gpu)}`),
    );
  }
  return h(
    'p',
    {class: 'engine-line', id: 'engine-line'},
    `${head}: ${layers} of ${total} layers on ${String(gpu)}`,
    typeof spare === 'number' ? `, ${formatGiB(spare * MIB, 1)} to spare` : '',
    host > 0 && layers < total ? `; ${formatGiB(host * MIB, 1)} in host memory` : '',
    h('span', {class: 'muted'}, extra),
  );
}

/**
 * The settings the training stack filled in (response stack_defaults:
 * {field path: value}), with the core's field and value labels.
 */
function stackLine(r, catalog) {
  const d = r.stack_defaults;
  if (!d || typeof d !== 'object' || Object.keys(d).length === 0) return null;
  const info = (path) => catalog?.fields?.find((f) => f.path === path);
  const valueText = (path, v) =>
    info(path)?.values?.find((x) => x.id === v)?.label ??
    (typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v));
  const stack = r.request?.stack;
  const parts = Object.entries(d).map(
    ([path, v]) => `${info(path)?.label ?? path} ${valueText(path, v)}`,
  );
  return h(
    'p',
    {class: 'stack-line muted', id: 'stack-line'},
    `From ${stack ? valueText('stack', stack) : 'the training stack'}` +
      `${r.request?.stack_version ? ` (${String(r.request.stack_version)})` : ''}: `,
    parts.join(' · '),
  );
}

/** `catalog` gives the peak phase's label (engine.catalog()). */
export function renderSummary(el, r, catalog) {
  const total = r.total_bytes;
  const low = r.range?.low_bytes;
  const high = r.range?.high_bytes;
  const peak = r.peak_allocated_bytes;
  const reserved = r.reserved_bytes;
  const band =
    typeof low === 'number' && typeof high === 'number'
      ? h(
          'p',
          {class: 'band', id: 'band'},
          'likely between ',
          h('span', {class: 'nowrap'}, formatGiB(low)),
          ' and ',
          h('span', {class: 'nowrap'}, formatGiB(high)),
          h('span', {class: 'muted'}, ` (${formatGB(low)} – ${formatGB(high)})`),
        )
      : null;
  const phase = r.peak_phase ? phaseLabel(catalog, r.peak_phase) : '';
  const row = (label, id, bytes, text) =>
    typeof bytes === 'number'
      ? [
          h('dt', {}, `${label} `, h('span', {class: 'muted', id}, formatGiB(bytes))),
          h('dd', {}, text),
        ]
      : null;
  fill(
    el,
    modelLine(r, catalog),
    h(
      'p',
      {class: 'total'},
      h('span', {id: 'total', 'data-bytes': total, elementtiming: 'total'}, formatGiB(total)),
      h('span', {class: 'total-gb', id: 'total-gb'}, formatGB(total)),
      phase ? h('span', {class: 'muted phase'}, `peak at ${phase}`) : null,
    ),
    band,
    verdictLine(r, catalog),
    vllmLine(r.engine?.vllm, r, catalog),
    sglangLine(r.engine?.sglang, r, catalog),
    ggufLine(r, catalog),
    stackLine(r, catalog),
    h(
      'dl',
      {class: 'compare'},
      row(
        'Total',
        'total-again',
        total,
        'per GPU, what nvidia-smi (or rocm-smi) shows for the process: ' +
          'reserved memory plus the CUDA context.',
      ),
      row(
        'Reserved',
        'reserved',
        reserved,
        'compares with torch.cuda.max_memory_reserved(): allocations plus ' +
          'the caching allocator’s free-but-kept blocks.',
      ),
      row(
        'Peak allocated',
        'peak',
        peak,
        'compares with torch.cuda.max_memory_allocated(): live tensors only.',
      ),
    ),
  );
}

/** Phone-width bar with the total, so edits in the form show at once. */
export function renderSticky(el, r, catalog) {
  const gpus = r.gpus ?? [];
  const fit = gpus.filter((g) => g.verdict === 'fits').length;
  const t = r.target;
  patch(
    el,
    h('strong', {}, formatGiB(r.total_bytes)),
    t && typeof t === 'object'
      ? [
          ' · ',
          h('span', {class: `badge ${t.verdict}`}, verdictLabel(catalog, t.verdict)),
          ` ${gpusName(t.id, r, catalog)} · answer ↑`,
        ]
      : ` · fits ${fit} of ${gpus.length} GPUs · answer ↑`,
  );
  el.hidden = false;
}
