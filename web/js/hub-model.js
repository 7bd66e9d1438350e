// Everything the estimator needs from one Hub repo at one revision: the
// file list, config.json (or, for a GGUF-only repo, a config made from the
// GGUF header by the core) and the exact stored bytes from the checkpoint
// headers. Used by the page (model-source.js) and the widget.
import {HubError, normalizeEndpoint} from './hub.js';
import {readGguf, readSafetensors} from './hub-headers.js';

/** The key of a loaded model: endpoint, id, revision and GGUF file. */
export function hubKey({endpoint = '', model = '', revision = '', gguf_file = ''}) {
  let ep = endpoint;
  try {
    ep = normalizeEndpoint(endpoint);
  } catch {
    // an invalid endpoint never loads, so its key matches nothing
  }
  return [
    ep,
    String(model).trim(),
    String(revision).trim() || 'main',
    String(gguf_file).trim(),
  ].join('|');
}

// The first of the plan's config files the repo has (config.json, else
// params.json: Mistral's native format; the core reads either).
async function fetchConfig(hub, id, revision, plan, {signal}) {
  for (const file of plan.config_files) {
    try {
      return {
        config: await hub.json(id, revision, file, {signal, maxBytes: plan.limits.json_file_bytes}),
        file,
      };
    } catch (e) {
      if (!(e instanceof HubError && e.kind === 'no_file')) throw e;
    }
  }
  throw new HubError(
    'no_file',
    `${id} has no ${plan.config_files.join(' or ')}${revision === 'main' ? '' : ` at ${revision}`} (HTTP 404), or the repo does not exist${
      plan.gguf_files.length ? '; it has GGUF files: pick one under "GGUF file"' : ''
    }. Check the id, paste a config.json below, or pick a preset.`,
    {status: 404},
  );
}

// The core's plan for this listing; a bad GGUF file name is the user's to fix.
function planFor(engine, files, ggufFile) {
  try {
    return engine.checkpointPlan({...(files ? {files} : {}), gguf_file: ggufFile});
  } catch (e) {
    if (e?.name === 'EstimatorError' && e.field === 'gguf_file')
      throw new HubError('bad_id', e.message);
    throw e;
  }
}

/**
 * Loads a repo. `progress(text)` reports each step. Resolves
 * {config, checkpoint?, header?, header_note?, sha, gguf_files, source}.
 * Header failures do not fail the load: the config-based count still holds,
 * and `header_note` says why the exact bytes are missing.
 */
export async function loadHubModel(
  hub,
  engine,
  {id, revision = 'main', ggufFile = '', signal, progress = () => {}},
) {
  progress(`Asking ${hub.host} about ${id}…`);
  let info = null;
  try {
    info = await hub.info(id, revision, {signal});
  } catch (e) {
    // A mirror without the model API still serves resolve/ URLs.
    if (!(e instanceof HubError) || !['no_file', 'http', 'invalid'].includes(e.kind)) throw e;
  }
  const files = info?.files ?? null;
  const plan = planFor(engine, files, ggufFile);
  const out = {sha: info?.sha ?? '', gguf_files: plan.gguf_files, source: hub.endpoint};
  const want = plan.gguf_file;
  if (plan.problem === 'gguf_file_missing') {
    const list = plan.gguf_files;
    throw new HubError(
      'no_file',
      `${id} has no file ${want}; pick one of its GGUF files${list.length ? ` (${list.slice(0, 4).join(', ')}${list.length > 4 ? ', …' : ''})` : ''}.`,
    );
  }
  if (plan.problem === 'no_config') {
    throw new HubError(
      'no_file',
      `${id} has no config.json${revision === 'main' ? '' : ` at ${revision}`} (nor params.json or a GGUF file), so there is nothing to estimate from. Check the id and revision, paste a config.json below, or pick a preset.`,
    );
  }

  let gguf = null;
  if (want) {
    progress(`Reading the GGUF header of ${want}…`);
    gguf = await readGguf(hub, engine, id, revision, plan, {signal});
    out.gguf_file = want;
  }
  if (!plan.config_files.length) {
    if (!gguf.config)
      throw new HubError(
        'invalid',
        `${want}: ${gguf.config_error?.message ?? 'no config could be made from its header'}. Paste a config.json below, or pick a preset.`,
      );
    out.config = gguf.config;
  } else {
    progress(`Fetching ${id}/${plan.config_files[0]}…`);
    ({config: out.config, file: out.config_file} = await fetchConfig(hub, id, revision, plan, {
      signal,
    }));
  }

  if (gguf) {
    out.header = {
      format: 'gguf',
      files: gguf.files,
      summary: gguf.summary,
      header_bytes: gguf.header_bytes,
    };
  } else {
    try {
      const st = await readSafetensors(hub, engine, id, revision, plan, {
        signal,
        packedBits: engine.checkpointPlan({config: out.config}).packed_bits,
        onProgress: (done, n) =>
          progress(`Reading safetensors headers of ${id}: ${done}/${n} files…`),
      });
      if (st) out.header = st;
      else
        out.header_note = `${id} has no safetensors weights${plan.gguf_files.length ? ' (pick a GGUF file for exact bytes)' : ''}`;
    } catch (e) {
      if (signal?.aborted) throw e;
      out.header_note = `the safetensors headers could not be read (${e.message})`;
    }
  }
  if (out.header)
    out.checkpoint = {total_bytes: out.header.summary.total_bytes, source: out.header.format};
  return out;
}
