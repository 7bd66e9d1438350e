// Type test for web/js/engine.d.ts: compiled with `tsc --noEmit --strict`
// (scripts/test-web.sh). It is never run; it must only type-check.
import {EstimatorError, loadEngine} from '../../../web/js/engine.js';

import type {
  EstimateRequest,
  EstimateResponse,
  GpuFit,
  RecommendationId,
  RequestChange,
  SpeedFigure,
  Verdict,
} from '../../../web/js/engine.js';

export async function example(bytes: Uint8Array): Promise<number> {
  const engine = await loadEngine({wasmBinary: bytes});
  const version: string = engine.version;
  const request: EstimateRequest = {
    model: {preset: 'meta-llama/Llama-3.1-8B'},
    task: 'qlora',
    batch_size: 4,
    seq_len: 2048,
    lora: {rank: 16, alpha: 32, targets: ['q_proj', 'v_proj']},
    parallel: {tp: 2},
    custom_gpus: [{name: 'Mine', memory_gib: 48}],
  };
  // The text form, which the core parses.
  const asText: EstimateRequest = {...request, custom_gpus: 'Mine:48, Other:24.5'};
  engine.estimate(asText);
  try {
    const r: EstimateResponse = engine.estimate(request);
    const fits: GpuFit[] = r.gpus.filter((g) => g.verdict === 'fits');
    const v: Verdict = fits[0]?.verdict ?? 'no';
    const labels: string[] = r.components.map((c) => `${c.label}: ${c.bytes} (${c.formula})`);
    // A recommendation is applied as data: its change is request fields.
    for (const rec of r.recommend ?? []) {
      const id: RecommendationId = rec.id;
      const change: RequestChange = rec.change;
      const next: EstimateRequest = {
        ...request,
        ...change,
        weights_dtype: change.weights_dtype ?? undefined,
      };
      labels.push(`${id}: ${rec.label} -> ${next.batch_size ?? 1}`);
    }
    const disk: number = r.disk.checkpoint_bytes + (r.disk.lora_adapter_bytes ?? 0);
    const layouts: string[] = (r.strategies ?? []).map((s) => `${s.name} ${s.parallel.tp}`);
    labels.push(`${disk} ${layouts.length} ${r.target?.gpus_needed?.count ?? 0}`);
    return (
      r.total_bytes + r.range.low_bytes + labels.length + version.length + (v === 'no' ? 0 : 1)
    );
  } catch (e) {
    if (e instanceof EstimatorError) {
      const code: string = e.code;
      const field: string = e.field;
      return code.length + field.length;
    }
    throw e;
  }
}

// @ts-expect-error the model reference is required
export const bad: EstimateRequest = {
  task: 'inference',
};

// Every request field is typed from the core's field table (RequestSettings):
// engine and stack settings included, enum values checked.
export function engineSettings(r: EstimateResponse): number {
  const vllm: EstimateRequest = {
    model: {preset: 'meta-llama/Llama-3.1-8B'},
    engine: 'vllm',
    max_model_len: 32768,
    max_num_seqs: 64,
  };
  const llama: EstimateRequest = {
    ...vllm,
    engine: 'llama_cpp',
    n_gpu_layers: 20,
    flash_attn: 'on',
    n_parallel: 2,
    n_cpu_moe: 4,
  };
  const ollama: EstimateRequest = {...vllm, engine: 'ollama', n_parallel: 4, cache_type_k: 'q8_0'};
  const sglang: EstimateRequest = {...vllm, engine: 'sglang', mem_fraction_static: 0.9};
  const train: EstimateRequest = {
    ...vllm,
    task: 'lora',
    stack: 'unsloth',
    stack_version: 'current',
  };
  const started = r.engine?.vllm?.starts ? (r.engine.vllm.max_concurrency ?? 0) : 0;
  const sglangTokens =
    r.engine?.sglang?.max_total_num_tokens ?? r.engine?.sglang?.min_mem_fraction_static ?? 0;
  const onGpu = r.engine?.llama_cpp?.model_buffer_gpu_mib ?? 0;
  const spare = r.engine?.llama_cpp?.max_n_gpu_layers?.spare_mib ?? 0;
  const o = r.engine?.ollama;
  const layers = o ? `${o.layers_offload}/${o.layers_model} ${o.num_ctx} ${o.host_mib}` : '';
  return (
    [vllm, llama, ollama, sglang, train].length +
    spare +
    layers.length +
    started +
    sglangTokens +
    onGpu +
    Object.keys(r.stack_defaults ?? {}).length
  );
}

// @ts-expect-error not a training stack the core knows
export const badStack: EstimateRequest = {model: {preset: 'x'}, stack: 'deepspeed'};

// Speed figures: absent without a catalogue GPU; each with a band; the
// training cost's unit is "currency".
export function speedFigures(r: EstimateResponse): number {
  const decode = r.speed?.figures.find((f) => f.id === 'decode_tokens_per_s');
  const unit: 'tokens/s' | 's' | 'currency' | undefined = decode?.unit;
  // @ts-expect-error figure ids are a closed set
  const bad: SpeedFigure['id'] = 'tokens_per_watt';
  return (
    (decode?.value ?? 0) + (decode?.high ?? 0) - (decode?.low ?? 0) + (unit ? 1 : 0) + bad.length
  );
}
