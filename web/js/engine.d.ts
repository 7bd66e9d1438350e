// Hand-written types of web/js/engine.js (Emscripten 3.1.6 has no --emit-tsd).
// The response shapes follow core/SCHEMA.md; fields the page does not rely on
// the page does not interpret (model details, params breakdown) stay open.

export type Task = 'inference'|'full'|'lora'|'qlora'|'dora'|'qdora';
export type Verdict = 'fits'|'tight'|'no';

export interface ModelRef {
  preset?: string;
  config?: Record<string, unknown>;
  id?: string;
}

export interface LoraSettings {
  rank?: number;
  alpha?: number;
  /** "all-linear" or module names. */
  targets?: string[]|'all-linear';
  dropout?: number;
  dtype?: 'fp32'|'bf16';
}

export interface ParallelSettings {
  tp?: number;
  pp?: number;
  dp?: number;
  ep?: number;
  zero?: 0|1|2|3;
  /** true = ZeRO-3 */
  fsdp?: boolean;
  offload_optimizer?: boolean;
  offload_params?: boolean;
  microbatches?: number;
}

export interface CustomGpu {
  name: string;
  memory_gib: number;
}

export interface EstimateRequest {
  /** 1 is still accepted: version 2 changed responses only. */
  schema_version?: 1|2;
  model: ModelRef;
  task?: Task;
  /** dtype id or alias ("bf16", "nf4", "q4_k_m"), "auto", or an explicit format. */
  weights_dtype?: string|{
    bits: number;
    group_size?: number
  };
  precision?: 'bf16_mixed'|'fp16_mixed'|'bf16_pure'|'fp32'|string;
  autocast?: boolean;
  batch_size?: number;
  seq_len?: number;
  prompt_len?: number;
  inference_mode?: 'generate'|'forward';
  gradient_checkpointing?: boolean;
  optimizer?: string;
  optimizer_in_backward?: boolean;
  lora?: LoraSettings;
  attention?: 'sdpa'|'flash'|'eager';
  kv_cache_dtype?: string;
  loss?: 'standard'|'chunked';
  eval?: {batch_size?: number; seq_len?: number};
  parallel?: ParallelSettings;
  /** Catalogue id or alias ("h100", "4090"): adds `target` and `recommend`. */
  gpu?: string;
  custom_gpus?: CustomGpu[];
  engine?: 'hf'|'vllm'|'llama_cpp';
  gpu_memory_utilization?: number;
  max_num_batched_tokens?: number;
  cuda_context_mib?: number;
  fragmentation?: number;
  search?: boolean;
}

export interface Component {
  /** weights, kv_cache, activations, optimizer_states, ... (the list grows). */
  id: string;
  label: string;
  bytes: number;
  /** Live at the peak phase, i.e. counted in total_bytes. */
  in_peak: boolean;
  /** Runtime overhead (context, allocator reserve) rather than tensors. */
  runtime: boolean;
  /** Relative uncertainty, 0.1 = ±10 %. */
  uncertainty: number;
  formula: string;
  inputs: Record<string, number|string|boolean|null>;
}

export interface GpuFit {
  id: string;
  name: string;
  vendor: string;
  custom: boolean;
  memory_bytes: number;
  usable_bytes: number;
  need_bytes: number;
  headroom_bytes: number;
  verdict: Verdict;
  /** Largest values that still fit; 0 = none. */
  max_batch_size: number;
  max_seq_len: number;
}

export interface Phase {
  id: 'forward_end'|'backward_end'|'optimizer_step'|'eval'|'prefill'|'decode'|string;
  bytes: number;
  components: string[];
}

/** What each recommendation does (closed: the core's candidate list). */
export type RecommendationId = 'gradient_checkpointing'|'optimizer_8bit'|'chunked_loss'|
    'smaller_batch'|'kv_cache_fp8'|'lora'|'qlora'|'weights_int8'|'weights_nf4'|'shorter_context'|
    'combined';

/**
 * The request fields a recommendation sets, keyed by the request's JSON path;
 * null returns a field to its default (weights_dtype: auto-detect).
 */
export interface RequestChange {
  gradient_checkpointing?: true;
  optimizer?: 'adamw_8bit';
  loss?: 'chunked';
  batch_size?: number;
  kv_cache_dtype?: 'fp8';
  task?: 'lora'|'qlora';
  weights_dtype?: 'int8'|'nf4'|null;
  seq_len?: number;
  prompt_len?: number;
}

export interface Recommendation {
  id: RecommendationId;
  /** Applied as data: write each field into the request (several when combined). */
  change: RequestChange;
  /** Prose for display: "batch size 2 x 4 accumulation steps". */
  label: string;
  why: string;
  /** combined only: the labels of the stacked steps, cheapest first. */
  parts?: string[];
  /** Totals after the change. */
  total_bytes: number;
  saves_bytes: number;
  verdict: Verdict;
}

/** A parallel layout: tensor, pipeline, data, expert parallel and ZeRO stage. */
export interface Layout {
  tp: number;
  pp: number;
  dp: number;
  ep: number;
  zero: 0|1|2|3;
}

/** Fewest GPUs like the target that hold the request (absent beyond 64). */
export interface GpusNeeded {
  count: number;
  parallel: Omit<Layout, 'ep'>;
  per_gpu_total_bytes: number;
}

export interface Strategy {
  name: 'single GPU'|'TP 2'|'TP 4'|'TP 8'|'PP 2'|'PP 4'|'TP 4 x PP 2'|'ZeRO-2 x 8'|
      'ZeRO-3 / FSDP x 8'|'EP 8';
  gpus: number;
  parallel: Layout;
  per_gpu_total_bytes: number;
  per_gpu_peak_allocated_bytes: number;
  /** Absent when no catalogue GPU holds the layout. */
  smallest_gpu?: string;
}

export interface DiskSizes {
  checkpoint_bytes: number;
  stored_dtype_bytes: 2|4;
  /** Full fine-tuning: weights plus the optimizer's state dict. */
  checkpoint_with_optimizer_bytes?: number;
  /** Adapter methods: the adapter tensors in their training dtype. */
  lora_adapter_bytes?: number;
}

export interface Warning {
  code: string;
  message: string;
}

export interface EstimateResponse {
  schema_version: 2;
  vramfit_version: string;
  model: {
    id: string; source: 'preset' | 'config'; model_type: string; approximate: boolean;
    [key: string]: unknown
  };
  params: {total: number; trainable: number; active: number; [key: string]: unknown};
  /** The request with every default filled in. */
  request: EstimateRequest;
  weights_format: {dtype: string; bits: number; rule: string};
  components: Component[];
  phases: Phase[];
  peak_phase: string;
  /** Comparable to torch.cuda.max_memory_allocated(). */
  peak_allocated_bytes: number;
  /** Comparable to torch.cuda.max_memory_reserved(). */
  reserved_bytes: number;
  /** What nvidia-smi shows: reserved + CUDA context (+ NCCL, graphs). */
  total_bytes: number;
  range: {low_bytes: number; high_bytes: number};
  gpus: GpuFit[];
  /** Smallest catalogue GPU whose verdict is `fits`; absent when none. */
  smallest_gpu?: string;
  target?: GpuFit&{gpus_needed?: GpusNeeded};
  /** Present when `target` does not fit. */
  recommend?: Recommendation[];
  disk: DiskSizes;
  /** Present when the request asks for `strategies`. */
  strategies?: Strategy[];
  warnings: Warning[];
}

export interface Catalog {
  schema_version: 2;
  vramfit_version: string;
  presets: Array<
      {id: string; source: string; model_type: string; params: number; active_params?: number}>;
  gpus: Array<{
    id: string; name: string; vendor: string; memory_bytes: number; aliases: string[];
    [key: string]: unknown
  }>;
  dtypes: Array<{
    id: string; label: string; kind: string; bits_per_weight: number; kv_cache: boolean;
    aliases: string[];
    [key: string]: unknown
  }>;
  enums: Record<string, string[]>;
  defaults: Record<string, unknown>;
}

/** An error response of the core ({"error": {code, field, message}}). */
export declare class EstimatorError extends Error {
  constructor(code: string, field: string, message: string);
  readonly name: 'EstimatorError';
  /** Stable code: invalid_json, missing_field, unknown_value, unknown_preset... */
  code: string;
  /** JSON path of the offending request field ("batch_size", "model.config.hidden_size"), or "". */
  field: string;
}

export interface Engine {
  /** Library version, e.g. "0.1.0". */
  readonly version: string;
  /** Runs one request; throws EstimatorError on an error response. */
  estimate(request: EstimateRequest|string): EstimateResponse;
  /**
   * Presets, GPUs, dtypes, enums and defaults (a fresh copy per call).
   * `presetCounts: false` leaves out each preset's model_type / params /
   * active_params, which cost most of the first call.
   */
  catalog(options?: {presetCounts?: boolean}): Catalog;
  /**
   * Parses the start of a checkpoint file: a safetensors header (8-byte
   * prefix + JSON) or a GGUF header. Returns the summary, or
   * {need_bytes} when more of the file is needed; throws EstimatorError
   * when the bytes are malformed.
   */
  checkpointHeader(format: 'safetensors'|'gguf', bytes: Uint8Array, packedBits?: number):
      CheckpointHeader|{need_bytes: number};
}

export interface CheckpointSummary {
  tensors: number;
  total_bytes: number;
  bytes_by_dtype: Record<string, number>;
  params_by_dtype: Record<string, number>;
  bytes_by_role: Record<string, number>;
  params_by_role: Record<string, number>;
  stored_elements: number;
  params: number;
  overhead_bytes: number;
  overhead_elements: number;
  packed_tensors: number;
}

export interface CheckpointHeader {
  schema_version: 1;
  format: 'safetensors'|'gguf';
  data_bytes: number;
  tensors: number;
  summary: CheckpointSummary;
  metadata?: Record<string, string>;
  architecture?: string;
  hyperparameters?: Record<string, number>;
  /** GGUF: an HF-style config.json for the estimator. */
  config?: Record<string, unknown>;
  config_error?: {code: string, field: string, message: string};
}

export interface LoadOptions {
  /** Replaces the ES-module factory (the single-file build passes the classic global). */
  factory?: (moduleArgs: Record<string, unknown>) => Promise<EmscriptenModuleLike>;
  /** The wasm bytes, for Node (no fetch of a file path). */
  wasmBinary?: ArrayBuffer|Uint8Array;
  locateFile?: (path: string, prefix: string) => string;
  [key: string]: unknown;
}

export interface EmscriptenModuleLike {
  estimateJson(request: string): string;
  catalogJson(presetCounts: boolean): string;
  version(): string;
  checkpointHeaderJson(format: string, bytes: Uint8Array, packedBits: number): string;
}

export declare function loadEngine(options?: LoadOptions): Promise<Engine>;
/** One engine per page, shared by the app and every <vramfit-estimate>. */
export declare function sharedEngine(): Promise<Engine>;
