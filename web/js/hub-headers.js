// Exact weight bytes from a repo's checkpoint headers, read by HTTP range
// requests: for safetensors the 8-byte length prefix and the JSON header of
// each shard (a few KB each), for GGUF the start of each part. Which files,
// the size caps, the parsing and the sums are the core's
// (engine.checkpointPlan / checkpointHeader, core/src/checkpoint/), as for
// the CLI (core/cli/hub/fetch.cpp); this module only fetches.
import {HubError} from './hub.js';

const PARALLEL = 6; // a browser's connections per host

function parseHeader(engine, format, bytes, file, packedBits) {
  try {
    return engine.checkpointHeader(format, bytes, packedBits);
  } catch (e) {
    throw new HubError('invalid', `${file} has an invalid ${format} header: ${e.message}`);
  }
}

/** The core's sum of per-file summaries. */
function merged(engine, summaries) {
  return engine.checkpointPlan({summaries}).summary;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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

const missing = (e) => e instanceof HubError && e.kind === 'no_file';

// The shard list of a safetensors index, checked by the core.
function shardsOf(engine, index, file) {
  try {
    return engine.checkpointPlan({index}).index;
  } catch (e) {
    if (e?.name === 'EstimatorError')
      throw new HubError('invalid', `${file} is invalid: ${e.message}`);
    throw e;
  }
}

/** One safetensors header; null when the file is missing and `optional`. */
async function readSafetensorsHeader(
  hub,
  engine,
  id,
  rev,
  file,
  plan,
  {signal, packedBits, optional},
) {
  let bytes;
  try {
    bytes = await hub.bytes(id, rev, file, 0, 7, {signal});
  } catch (e) {
    if (optional && missing(e)) return null;
    throw e;
  }
  let r = parseHeader(engine, 'safetensors', bytes, file, packedBits);
  if (r.need_bytes !== undefined) {
    if (r.need_bytes - 8 > plan.limits.safetensors_header_bytes)
      throw new HubError(
        'invalid',
        `${file}: safetensors header of ${r.need_bytes - 8} bytes, more than this page reads`,
      );
    bytes = concat(bytes, await hub.bytes(id, rev, file, 8, r.need_bytes - 1, {signal}));
    r = parseHeader(engine, 'safetensors', bytes, file, packedBits);
  }
  if (r.need_bytes !== undefined)
    throw new HubError('invalid', `${file}: the safetensors header did not parse`);
  return {summary: r.summary, bytes: bytes.length};
}

/**
 * Safetensors headers of a repo at a revision, from the first of the
 * plan's sources (engine.checkpointPlan) that the repo has. Resolves null
 * when it has none.
 */
export async function readSafetensors(
  hub,
  engine,
  id,
  rev,
  plan,
  {signal, packedBits = 4, onProgress = () => {}} = {},
) {
  for (const source of plan.safetensors) {
    let shards = source.files;
    let indexTotal = null;
    if (source.index) {
      let index;
      try {
        index = await hub.json(id, rev, source.index, {
          signal,
          maxBytes: plan.limits.json_file_bytes,
        });
      } catch (e) {
        if (missing(e)) continue;
        throw e;
      }
      ({shards, total_size: indexTotal} = shardsOf(engine, index, source.index));
    }
    let done = 0;
    onProgress(0, shards.length);
    // A single file named without a listing may be absent: try the next source.
    const optional = !source.index && shards.length === 1;
    const per = await pool(
      shards,
      async (file) => {
        const r = await readSafetensorsHeader(hub, engine, id, rev, file, plan, {
          signal,
          packedBits,
          optional,
        });
        onProgress(++done, shards.length);
        return r;
      },
      signal,
    );
    if (per[0] === null) continue;
    return {
      format: 'safetensors',
      files: shards,
      summary: merged(
        engine,
        per.map((x) => x.summary),
      ),
      index_total_size: indexTotal,
      header_bytes: per.reduce((n, x) => n + x.bytes, 0),
    };
  }
  return null;
}

/**
 * A GGUF model: the header of each part the plan names (only the first
 * part carries the hyperparameters the config comes from), summed by the core.
 */
export async function readGguf(hub, engine, id, rev, plan, {signal, onProgress = () => {}} = {}) {
  const parts = plan.gguf_parts;
  const heads = await pool(
    parts,
    (f) => readGgufHeader(hub, engine, id, rev, f, plan, {signal, onProgress}),
    signal,
  );
  const first = heads[0];
  if (parts.length === 1) return first;
  return {
    ...first,
    files: parts,
    summary: merged(
      engine,
      heads.map((x) => x.summary),
    ),
    header_bytes: heads.reduce((n, x) => n + x.header_bytes, 0),
  };
}

/**
 * The header of one GGUF file: growing range requests from the plan's first
 * read until the core has the whole header. Returns the core's answer.
 */
async function readGgufHeader(
  hub,
  engine,
  id,
  rev,
  file,
  plan,
  {signal, onProgress = () => {}} = {},
) {
  const max = plan.limits.gguf_header_bytes;
  let want = plan.limits.gguf_first_read_bytes;
  for (;;) {
    onProgress(want);
    const bytes = await hub.bytes(id, rev, file, 0, want - 1, {signal, allowShort: true});
    const r = parseHeader(engine, 'gguf', bytes, file, 4);
    if (r.need_bytes === undefined) return {...r, files: [file], header_bytes: bytes.length};
    if (bytes.length < want)
      throw new HubError('invalid', `${file} ends inside its GGUF header (${bytes.length} bytes)`);
    if (r.need_bytes > max)
      throw new HubError(
        'invalid',
        `${file}: GGUF header of ${r.need_bytes} bytes, more than this page reads`,
      );
    want = Math.min(max, Math.max(r.need_bytes, want * 2));
  }
}
