// Exact weight bytes from a repo's checkpoint headers, read by HTTP range
// requests: for safetensors the 8-byte length prefix and the JSON header of
// each shard (a few KB each), for GGUF the start of one file. The bytes are
// parsed by the core (engine.checkpointHeader, core/src/checkpoint/summary.cpp),
// as the CLI does; this module only fetches and adds up the per-shard sums.
import {HubError} from './hub.js';

const MAX_SAFETENSORS_HEADER = 32 << 20;  // the largest real ones are ~10 MB
const MAX_GGUF_HEADER = 64 << 20;         // tokenizer arrays of big vocabularies
const PARALLEL = 6;                       // a browser's connections per host

const SUM_KEYS = ['tensors', 'total_bytes', 'params', 'stored_elements', 'overhead_bytes', 'packed_tensors'];

function addSummary(into, s) {
  for (const k of SUM_KEYS) into[k] = (into[k] ?? 0) + (Number(s[k]) || 0);
  for (const k of ['bytes_by_dtype', 'params_by_dtype']) {
    into[k] ??= {};
    for (const [d, v] of Object.entries(s[k] ?? {})) into[k][d] = (into[k][d] ?? 0) + v;
  }
  return into;
}

function parseHeader(engine, format, bytes, file, packedBits) {
  try {
    return engine.checkpointHeader(format, bytes, packedBits);
  } catch (e) {
    throw new HubError('invalid', `${file} has an invalid ${format} header: ${e.message}`);
  }
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// Shard names from model.safetensors.index.json: plain relative names.
function shardsOf(index, file) {
  const map = index?.weight_map;
  if (!map || typeof map !== 'object' || Array.isArray(map))
    throw new HubError('invalid', `${file} has no weight_map object`);
  const names = new Set();
  for (const f of Object.values(map)) {
    if (typeof f !== 'string' || !f.endsWith('.safetensors') || f.startsWith('/') || f.includes('..') || f.includes('\\'))
      throw new HubError('invalid', `${file} names an invalid shard "${String(f).slice(0, 80)}"`);
    names.add(f);
  }
  if (!names.size) throw new HubError('invalid', `${file} lists no shards`);
  return [...names].sort();
}

async function pool(items, worker, signal) {
  const out = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      if (signal?.aborted) throw signal.reason;
      const i = next++;
      out[i] = await worker(items[i], i);
    }
  };
  await Promise.all(Array.from({length: Math.min(PARALLEL, items.length)}, run));
  return out;
}

// Which safetensors files hold the weights, from the repo's file list:
// transformers' names first, then mistral's consolidated.safetensors, then
// any other top-level index or shard set (subfolders such as original/ hold
// other copies). {index, shards}; null when there are none.
export function pickSafetensors(files) {
  const top = files.filter((f) => !f.includes('/'));
  for (const [index, single] of [['model.safetensors.index.json', 'model.safetensors'],
                                 ['consolidated.safetensors.index.json', 'consolidated.safetensors']]) {
    if (top.includes(index)) return {index};
    if (top.includes(single)) return {shards: [single]};
  }
  const index = top.filter((f) => f.endsWith('.safetensors.index.json')).sort()[0];
  if (index) return {index};
  const shards = top.filter((f) => f.endsWith('.safetensors')).sort();
  return shards.length ? {shards} : null;
}

/**
 * Safetensors headers of a repo at a revision. `files` is the repo's file
 * list (null when unknown: then model.safetensors.index.json, else
 * model.safetensors, is tried). Resolves null when the repo has none.
 */
export async function readSafetensors(hub, engine, id, rev, files, {signal, packedBits = 4, onProgress = () => {}} = {}) {
  const pick = files ? pickSafetensors(files) : {index: 'model.safetensors.index.json', guess: true};
  if (!pick) return null;
  let shards = pick.shards;
  let indexTotal = null;
  let fetched = 0;
  if (pick.index) {
    try {
      const index = await hub.json(id, rev, pick.index, {signal});
      shards = shardsOf(index, pick.index);
      const t = index?.metadata?.total_size;
      if (Number.isSafeInteger(t)) indexTotal = t;
    } catch (e) {
      if (!(e instanceof HubError && e.kind === 'no_file' && pick.guess)) throw e;
      shards = ['model.safetensors'];
    }
  }
  let done = 0;
  onProgress(0, shards.length);
  const per = await pool(shards, async (file) => {
    let bytes;
    try {
      bytes = await hub.bytes(id, rev, file, 0, 7, {signal});
    } catch (e) {
      if (e instanceof HubError && e.kind === 'no_file' && pick.guess) return null;
      throw e;
    }
    let r = parseHeader(engine, 'safetensors', bytes, file, packedBits);
    if (r.need_bytes !== undefined) {
      if (r.need_bytes > MAX_SAFETENSORS_HEADER)
        throw new HubError('invalid', `${file}: safetensors header of ${r.need_bytes} bytes, more than this page reads`);
      bytes = concat(bytes, await hub.bytes(id, rev, file, 8, r.need_bytes - 1, {signal}));
      r = parseHeader(engine, 'safetensors', bytes, file, packedBits);
    }
    if (r.need_bytes !== undefined) throw new HubError('invalid', `${file}: the safetensors header did not parse`);
    fetched += bytes.length;
    onProgress(++done, shards.length);
    return r.summary;
  }, signal);
  if (per.every((s) => s === null)) return null;
  const summary = per.filter(Boolean).reduce(addSummary, {});
  return {format: 'safetensors', files: shards, summary, index_total_size: indexTotal, header_bytes: fetched};
}

// llama.cpp's gguf-split names: <stem>-00001-of-00003.gguf.
const SPLIT = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

/** True for parts 2..n of a split GGUF (the picker offers part 1). */
export function isLaterGgufPart(file) {
  const m = SPLIT.exec(file);
  return Boolean(m) && m[2] !== '00001';
}

/** The parts of a (possibly split) GGUF file, first part first. */
export function ggufParts(file) {
  const m = SPLIT.exec(file);
  if (!m) return [file];
  const n = Number(m[3]);
  if (!(n >= 1 && n <= 999)) return [file];
  return Array.from({length: n}, (_, i) => `${m[1]}-${String(i + 1).padStart(5, '0')}-of-${m[3]}.gguf`);
}

/**
 * A GGUF model: the header of each part of a split file (only the first
 * part carries the hyperparameters the config comes from), summed.
 */
export async function readGguf(hub, engine, id, rev, file, {signal, onProgress = () => {}} = {}) {
  const parts = ggufParts(file);
  const heads = await pool(parts, (f) => readGgufHeader(hub, engine, id, rev, f, {signal, onProgress}), signal);
  const first = heads[0];
  if (parts.length === 1) return first;
  return {
    ...first,
    files: parts,
    summary: heads.map((x) => x.summary).reduce(addSummary, {}),
    header_bytes: heads.reduce((n, x) => n + x.header_bytes, 0),
  };
}

/**
 * The header of one GGUF file: growing range requests from 1 MiB until the
 * core has the whole header. Returns the core's answer (summary, config).
 */
async function readGgufHeader(hub, engine, id, rev, file, {signal, onProgress = () => {}} = {}) {
  let want = 1 << 20;
  for (;;) {
    onProgress(want);
    const bytes = await hub.bytes(id, rev, file, 0, want - 1, {signal, allowShort: true});
    const r = parseHeader(engine, 'gguf', bytes, file, 4);
    if (r.need_bytes === undefined) return {...r, files: [file], header_bytes: bytes.length};
    if (bytes.length < want) throw new HubError('invalid', `${file} ends inside its GGUF header (${bytes.length} bytes)`);
    if (r.need_bytes > MAX_GGUF_HEADER)
      throw new HubError('invalid', `${file}: GGUF header of ${r.need_bytes} bytes, more than this page reads`);
    want = Math.min(MAX_GGUF_HEADER, Math.max(r.need_bytes, want * 2));
  }
}
