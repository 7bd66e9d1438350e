// Everything the estimator needs from one Hub repo at one revision: the
// file list, config.json (or, for a GGUF-only repo, a config made from the
// GGUF header by the core) and the exact stored bytes from the checkpoint
// headers. Used by the page (model-source.js) and the widget.
import {HubError, normalizeEndpoint} from './hub.js';
import {ggufParts, isLaterGgufPart, readGguf, readSafetensors} from './hub-headers.js';

/** The key of a loaded model: endpoint, id, revision and GGUF file. */
export function hubKey({endpoint = '', model = '', revision = '', gguf_file = ''}) {
  let ep = endpoint;
  try {
    ep = normalizeEndpoint(endpoint);
  } catch {
    // an invalid endpoint never loads, so its key matches nothing
  }
  return [ep, String(model).trim(), String(revision).trim() || 'main', String(gguf_file).trim()].join('|');
}

// llama.cpp's usual default quant first, then any.
const GGUF_PREFERENCE = [/Q4_K_M/i, /Q4_K/i, /Q5_K_M/i, /Q8_0/i];

export function defaultGguf(files) {
  for (const re of GGUF_PREFERENCE) {
    const f = files.find((x) => re.test(x));
    if (f) return f;
  }
  return files[0] ?? '';
}

/** quantization_config bits of a GPTQ-style config (packed int32 weights), else 4. */
function packedBits(config) {
  const q = config?.quantization_config ?? config?.text_config?.quantization_config;
  const b = Number(q?.bits ?? q?.w_bit);
  return [2, 3, 4, 8].includes(b) ? b : 4;
}

// config.json (or params.json); without a file list, params.json is tried
// when config.json is missing.
async function fetchConfig(hub, id, revision, file, {signal, guess, ggufFiles}) {
  try {
    return {config: await hub.json(id, revision, file, {signal}), file};
  } catch (e) {
    if (!(e instanceof HubError && e.kind === 'no_file')) throw e;
    if (guess) {
      try {
        return {config: await hub.json(id, revision, 'params.json', {signal}), file: 'params.json'};
      } catch {
        // report the config.json failure
      }
    }
    throw new HubError('no_file', `${id} has no config.json${revision === 'main' ? '' : ` at ${revision}`} (HTTP 404), or the repo does not exist${
        ggufFiles.length ? '; it has GGUF files: pick one under "GGUF file"' : ''}. Check the id, paste a config.json below, or pick a preset.`, {status: 404});
  }
}

/**
 * Loads a repo. `progress(text)` reports each step. Resolves
 * {config, checkpoint?, header?, header_note?, sha, gguf_files, source}.
 * Header failures do not fail the load: the config-based count still holds,
 * and `header_note` says why the exact bytes are missing.
 */
export async function loadHubModel(hub, engine, {id, revision = 'main', ggufFile = '', signal, progress = () => {}}) {
  progress(`Asking ${hub.host} about ${id}…`);
  let info = null;
  try {
    info = await hub.info(id, revision, {signal});
  } catch (e) {
    // A mirror without the model API still serves resolve/ URLs.
    if (!(e instanceof HubError) || !['no_file', 'http', 'invalid'].includes(e.kind)) throw e;
  }
  const files = info?.files ?? null;
  // Split GGUFs are offered by their first part (the others follow it).
  const ggufFiles = (files ?? []).filter((f) => f.toLowerCase().endsWith('.gguf') && !isLaterGgufPart(f)).sort();
  const out = {sha: info?.sha ?? '', gguf_files: ggufFiles, source: hub.endpoint};

  // Mistral's native repos may carry params.json instead of config.json;
  // the core reads either.
  const configFile = files && !files.includes('config.json') && files.includes('params.json') ? 'params.json' : 'config.json';
  const ggufOnly = files && !files.includes(configFile) && ggufFiles.length > 0;
  const wantGguf = ggufFile || (ggufOnly ? defaultGguf(ggufFiles) : '');
  if (wantGguf && files && !ggufParts(wantGguf).every((f) => files.includes(f)))
    throw new HubError('no_file', `${id} has no file ${wantGguf}; pick one of its GGUF files${ggufFiles.length ? ` (${ggufFiles.slice(0, 4).join(', ')}${ggufFiles.length > 4 ? ', …' : ''})` : ''}.`);

  let gguf = null;
  if (wantGguf) {
    progress(`Reading the GGUF header of ${wantGguf}…`);
    gguf = await readGguf(hub, engine, id, revision, wantGguf, {signal});
    out.gguf_file = wantGguf;
  }
  if (files && !files.includes(configFile) && !gguf) {
    throw new HubError('no_file', `${id} has no config.json${revision === 'main' ? '' : ` at ${revision}`} (nor params.json or a GGUF file), so there is nothing to estimate from. Check the id and revision, paste a config.json below, or pick a preset.`);
  }
  if (gguf && !files?.includes(configFile)) {
    if (!gguf.config)
      throw new HubError('invalid', `${wantGguf}: ${gguf.config_error?.message ?? 'no config could be made from its header'}. Paste a config.json below, or pick a preset.`);
    out.config = gguf.config;
  } else {
    progress(`Fetching ${id}/${configFile}…`);
    ({config: out.config, file: out.config_file} = await fetchConfig(hub, id, revision, configFile, {signal, guess: !files, ggufFiles}));
  }

  if (gguf) {
    out.header = {format: 'gguf', files: gguf.files, summary: gguf.summary, header_bytes: gguf.header_bytes};
  } else {
    try {
      const st = await readSafetensors(hub, engine, id, revision, files, {
        signal,
        packedBits: packedBits(out.config),
        onProgress: (done, n) => progress(`Reading safetensors headers of ${id}: ${done}/${n} files…`),
      });
      if (st)
        out.header = st;
      else
        out.header_note = `${id} has no safetensors weights${ggufFiles.length ? ' (pick a GGUF file for exact bytes)' : ''}`;
    } catch (e) {
      if (signal?.aborted) throw e;
      out.header_note = `the safetensors headers could not be read (${e.message})`;
    }
  }
  if (out.header) out.checkpoint = {total_bytes: out.header.summary.total_bytes, source: out.header.format};
  return out;
}
