// The "Model" box: preset search, Hub id (search as you type, revision,
// GGUF file, token, endpoint, cache), pasted / dropped config.json. Owns the
// loaded repos and the status line; calls `recompute()` whenever the chosen
// model changes. The last good result stays on screen while a load runs.
import {$, fill, h} from './dom.js';
import {ConfigError, parseConfigText} from './config-text.js';
import {
  checkModelId,
  checkRevision,
  createHub,
  DEFAULT_TIMEOUT_MS,
  HubError,
  normalizeEndpoint,
} from './hub.js';
import {createHubCache} from './hub-cache.js';
import {hubKey, loadHubModel} from './hub-model.js';
import {createTokenStore} from './hub-token.js';
import {createModelSearch} from './model-search.js';

export function setStatus(text, kind = '') {
  const el = $('#model-status');
  el.textContent = text;
  el.className = `status ${kind}`;
  el.closest('fieldset')?.setAttribute('aria-busy', String(kind === 'busy'));
}

/** The line/column message for a broken config text, or null. */
export function configProblem(text) {
  try {
    parseConfigText(text);
    return null;
  } catch (e) {
    return e instanceof ConfigError ? e.message : String(e);
  }
}

function when(ms) {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toLocaleString() : 'earlier';
}

/** Creates the model box logic; `configs` is what stateToRequest reads. */
export function createModelSource(recompute, {engine}) {
  const configs = new Map(); // hubKey -> loaded repo (hub-model.js)
  const failures = new Map(); // hubKey -> HubError of the last failed load
  const cache = createHubCache();
  const tokens = createTokenStore();
  let current = null; // {key, controller} of the load in flight

  // The test suite shortens the timeout with an init script.
  const timeoutMs = () => Number(globalThis.VRAMFIT_HUB_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;

  function settings() {
    return {
      model: $('#model').value.trim(),
      revision: $('#revision').value.trim(),
      gguf_file: $('#gguf_file').value.trim(),
      endpoint: $('#endpoint').value.trim(),
    };
  }

  function hubFor(endpoint) {
    return createHub({endpoint, token: tokens.get(), timeoutMs: timeoutMs()});
  }

  function showActions({retry = false, refresh = false} = {}) {
    $('#hub-retry').hidden = !retry;
    $('#hub-refresh').hidden = !refresh;
  }

  function showGgufFiles(files) {
    fill(
      $('#gguf-files'),
      files.map((f) => h('option', {value: f})),
    );
    $('#gguf-box').hidden = files.length === 0 && !$('#gguf_file').value;
  }

  function loadedMessage(s, entry, cached) {
    const bits = [];
    if (entry.gguf_file) bits.push(`GGUF header of ${entry.gguf_file}`);
    else bits.push(entry.config_file ?? 'config.json');
    if (entry.header?.format === 'safetensors')
      bits.push(
        `safetensors headers of ${entry.header.files.length} file${entry.header.files.length === 1 ? '' : 's'}`,
      );
    const rev = entry.sha ? ` (commit ${entry.sha.slice(0, 7)})` : '';
    const from = cached ? `the cache (fetched ${when(entry.saved)})` : new URL(entry.source).host;
    const note = entry.header_note ? ` Exact weight bytes unavailable: ${entry.header_note}.` : '';
    return `${s.model}${rev}: ${bits.join(' + ')} from ${from}.${note}`;
  }

  /** Loads the repo the model box names; `refresh` skips the caches. */
  async function loadHub({refresh = false} = {}) {
    const s = settings();
    if (!s.model) return;
    let endpoint;
    try {
      s.model = checkModelId(s.model);
      s.revision = checkRevision(s.revision);
      endpoint = normalizeEndpoint(s.endpoint);
    } catch (e) {
      setStatus(e.message, 'error');
      recompute();
      return;
    }
    const key = hubKey(s);
    if (current?.key === key && !refresh) return;
    current?.controller.abort(new DOMException('superseded', 'AbortError'));
    current = null;
    $('#preset').value = '';
    $('#config').value = '';
    // Loaded in this tab, else kept from an earlier visit.
    const known = refresh ? undefined : (configs.get(key) ?? cache.get(key));
    if (known?.config) {
      const fromCache = !configs.has(key);
      configs.set(key, known);
      showGgufFiles(known.gguf_files ?? []);
      setStatus(loadedMessage(s, known, fromCache), 'ok');
      showActions({refresh: true});
      recompute();
      return;
    }
    const controller = new AbortController();
    current = {key, controller};
    failures.delete(key);
    showActions();
    $('#results').classList.add('stale');
    recompute();
    const hub = hubFor(endpoint);
    try {
      await engine.ready?.(); // the module may still be on its way
      if (controller.signal.aborted) return;
      const entry = await loadHubModel(hub, engine, {
        id: s.model,
        revision: s.revision,
        ggufFile: s.gguf_file,
        signal: controller.signal,
        progress: (text) => {
          if (!controller.signal.aborted) setStatus(text, 'busy');
        },
      });
      if (controller.signal.aborted) return;
      configs.set(key, entry);
      // Fetched with a token kept in memory only: keep the result in memory too.
      cache.set(key, entry, {persist: !hub.hasToken || tokens.remembered()});
      updateCacheCount();
      showGgufFiles(entry.gguf_files);
      setStatus(loadedMessage(s, entry, false), 'ok');
      showActions({refresh: true});
    } catch (e) {
      if (controller.signal.aborted) return;
      const err = e instanceof HubError ? e : new HubError('invalid', String(e?.message ?? e));
      failures.set(key, err);
      setStatus(err.message, 'error');
      showActions({retry: err.retryable || err.kind === 'unauthorized'});
      if (err.kind === 'unauthorized') $('#hub-settings').open = true;
    } finally {
      if (current?.controller === controller) current = null;
    }
    recompute();
  }

  function onConfigText() {
    const text = $('#config').value;
    if (text.trim()) {
      $('#preset').value = '';
      const p = configProblem(text);
      setStatus(p ?? 'Using the pasted config.json.', p ? 'error' : 'ok');
    } else {
      setStatus('');
    }
    showActions();
    recompute();
  }

  function filterPresets() {
    const q = $('#preset-search').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    for (const o of $('#preset').options) {
      if (!o.value) continue;
      const text = `${o.value} ${o.textContent}`.toLowerCase();
      o.hidden = !q.every((w) => text.includes(w));
    }
  }

  /** Status when the state names a model that cannot be estimated yet. */
  function explainMissing(state, problems) {
    if (state.model && !state.config && !problems.some((p) => p.name === 'model')) {
      const key = hubKey(state);
      if (failures.has(key)) setStatus(failures.get(key).message, 'error');
      else if (current?.key !== key)
        setStatus(`Press Enter or "Fetch" to load ${state.model} from the Hub.`);
    } else if (!state.model && !state.config && !state.preset) {
      setStatus('Pick a preset, enter a Hub id, or paste a config.json.');
    }
  }

  /**
   * The loaded repo behind a state (for the checkpoint view), or undefined.
   * Its `compare(params)` is the core's reading of the headers next to the
   * config count (the estimate response's params), as the CLI prints it.
   */
  function entryFor(state) {
    const entry = state.model && !state.config ? configs.get(hubKey(state)) : undefined;
    if (!entry?.header) return entry;
    const {summary, index_total_size: total = null} = entry.header;
    return {
      ...entry,
      compare: (params) =>
        engine.checkpointPlan({summaries: [summary], index_total_size: total, params}),
    };
  }

  async function readFile(file) {
    if (!file) return;
    if (file.size > 2_000_000) {
      setStatus(`${file.name} is too large for a config.json.`, 'error');
      return;
    }
    $('#config').value = await file.text();
    onConfigText();
  }

  function updateCacheCount() {
    $('#hub-cache-count').textContent = String(cache.size());
  }

  function wireToken() {
    const field = $('#hf-token');
    const remember = $('#hf-token-remember');
    field.value = tokens.get();
    remember.checked = tokens.remembered();
    const apply = () => {
      tokens.set(field.value, {remember: remember.checked});
      remember.checked = tokens.remembered() || (remember.checked && !field.value.trim());
    };
    field.addEventListener('change', apply);
    remember.addEventListener('change', apply);
    $('#hf-token-forget').addEventListener('click', () => {
      tokens.forget();
      field.value = '';
      remember.checked = false;
    });
  }

  function wire() {
    $('#preset-search').addEventListener('input', filterPresets);
    $('#preset-search').addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== 'ArrowDown') return;
      e.preventDefault();
      const first = [...$('#preset').options].find((o) => o.value && !o.hidden);
      if (first) {
        $('#preset').value = first.value;
        $('#preset').dispatchEvent(new Event('change', {bubbles: true}));
        if (e.key === 'ArrowDown') $('#preset').focus();
      }
    });
    $('#preset').addEventListener('change', () => {
      current?.controller.abort();
      current = null;
      $('#model').value = '';
      $('#config').value = '';
      setStatus('');
      showActions();
      recompute();
    });
    const search = createModelSearch({
      input: $('#model'),
      list: $('#model-suggest'),
      status: $('#model-search-status'),
      getHub: () => hubFor($('#endpoint').value),
      onPick: () => loadHub(),
      onExact: () => loadHub(),
    });
    $('#model').addEventListener('input', () => {
      // Another repo: the previous one's GGUF file means nothing there.
      if ($('#gguf_file').value) {
        $('#gguf_file').value = '';
        showGgufFiles([]);
      }
      // A different id: the load in flight is for something else now.
      if (current && current.key !== hubKey(settings())) {
        current.controller.abort();
        current = null;
      }
    });
    $('#model').addEventListener('keydown', (e) => {
      if (search.onKey(e) || e.key !== 'Enter') return;
      e.preventDefault();
      search.cancel();
      loadHub();
    });
    $('#hub-load').addEventListener('click', () => loadHub());
    $('#hub-retry').addEventListener('click', () => loadHub({refresh: true}));
    $('#hub-refresh').addEventListener('click', () => loadHub({refresh: true}));
    for (const id of ['#revision', '#gguf_file', '#endpoint']) {
      $(id).addEventListener('change', () => {
        if ($('#model').value.trim()) loadHub();
        else recompute();
      });
    }
    $('#hub-cache-clear').addEventListener('click', () => {
      cache.clear();
      updateCacheCount();
    });
    $('#hub-settings').addEventListener('toggle', updateCacheCount);
    updateCacheCount();
    wireToken();
    $('#config').addEventListener('input', onConfigText);
    $('#config-clear').addEventListener('click', () => {
      $('#config').value = '';
      onConfigText();
    });
    $('#config-file').addEventListener('change', (e) => readFile(e.target.files?.[0]));
    $('#config').addEventListener('dragover', (e) => e.preventDefault());
    $('#config').addEventListener('drop', (e) => {
      e.preventDefault();
      readFile(e.dataTransfer?.files?.[0]);
    });
  }

  return {configs, loadHub, onConfigText, explainMissing, entryFor, wire};
}
