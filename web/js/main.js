// Page wiring: form events -> request -> engine -> views. No computation of
// memory happens here; the core (wasm) is the only place that knows bytes.
import {$, $$, fill, h} from './dom.js';
import {EstimatorError, sharedEngine} from './engine.js';
import SNAPSHOT from 'vramfit:snapshot';
import {FIELD_BY_NAME, fieldLabel, initialState, pageDefaults, stateToRequest} from './fields.js';
import {buildForm, controlId} from './form.js';
import {configProblem, createModelSource} from './model-source.js';
import {layoutGpus, vendorLabel} from './labels.js';
import {parseQuery, stateToQuery} from './url-state.js';
import {renderChart} from './view-chart.js';
import {renderCheckpoint} from './view-checkpoint.js';
import {COMPACT_CSS, renderCompact, renderCompactError} from './view-compact.js';
import {renderGpus, vendorsOf} from './view-gpus.js';
import {renderRecommend, renderWarnings} from './view-notes.js';
import {renderShare} from './view-share.js';
import {renderSpeed} from './view-speed.js';
import {renderSticky, renderSummary} from './view-summary.js';

let engine; // the wasm module's engine (engine.js), once it is in
let snapshot = null; // the default page's answer until then (scripts/snapshot.mjs)
let catalog;
let defaults;
let form;
let urlProblems = [];
let renders = 0;
let activeComponent = '';
let gpuShowAll = false; // the fit matrix's "show all"
let source; // model-source.js

function fatal(message) {
  const box = $('#loading');
  box.hidden = false;
  // Shown even on the plain page, where the first answer came with the HTML.
  box.classList.remove('boot');
  box.classList.add('error-box');
  box.classList.remove('muted');
  box.textContent = message;
  document.body.dataset.ready = 'error';
}

// A field in the form's words (its label); a name no field has can only be
// a link's parameter (url-state.js: "unknown parameter ... ignored").
const problemField = (name) =>
  FIELD_BY_NAME.has(name) ? fieldLabel(FIELD_BY_NAME.get(name), catalog) : 'Link';

function renderProblems(list) {
  const el = $('#problems');
  fill(
    el,
    list.length
      ? h(
          'ul',
          {},
          list.map((p) => h('li', {}, `${problemField(p.name)}: ${p.message}`)),
        )
      : null,
  );
}

// The core's error in words: its message and the field in the form's words
// (form.describe). Its code (invalid_request, out_of_range...) is for
// programs: the CLI and the JSON API carry it, the page does not show it.
function showError(err) {
  const box = $('#error');
  const field = err.field ? ` (${form ? form.describe(err.field) : err.field})` : '';
  fill(box, h('strong', {}, 'Cannot estimate. '), `${err.message}${field}`);
  box.hidden = false;
  $('#results').classList.add('stale');
}

function pageUrl(state, {embed = false} = {}) {
  const s = {...state};
  delete s.embed;
  if (embed) s.embed = '1';
  const q = stateToQuery(s, defaults);
  const url = new URL(location.href);
  url.search = q;
  url.hash = '';
  return url.href;
}

function syncVendors(r, state) {
  const sel = $('#vendor');
  const want = state.vendor ?? sel.value;
  const vendors = vendorsOf(r.gpus);
  const current = [...sel.options].slice(1).map((o) => o.value);
  if (current.join() !== vendors.join()) {
    fill(
      sel,
      h('option', {value: ''}, 'All'),
      vendors.map((v) => h('option', {value: v}, vendorLabel(catalog, v))),
    );
  }
  sel.value = vendors.includes(want) ? want : '';
}

// The answer (total, verdict, suggestions, breakdown) is drawn in the task
// that computed it, so it paints in the next frame; what sits below it (speed,
// warnings, the fit matrix, share links) follows once that frame is out.
// Only the latest answer's second half runs.
let pending = 0;
function render(r, state, beforeBelow = null) {
  const seq = ++pending;
  if (state.embed === '1') {
    renderCompact($('#compact'), r, {gpu: state.gpu, link: pageUrl(state), catalog});
  } else {
    renderSummary($('#summary'), r, catalog);
    const gpu = r.target ?? (r.gpus ?? []).find((g) => g.id === state.gpu);
    renderChart($('#chart'), r, {
      capacity: gpu ? {bytes: gpu.memory_bytes, name: gpu.name} : null,
      active: activeComponent,
      catalog,
    });
    renderRecommend($('#recommend'), r.recommend, applyChange, catalog);
    renderSticky($('#sticky-total'), r, catalog);
  }
  const firstLink = !document.body.dataset.first && engine && state.embed !== '1';
  if (!document.body.dataset.first) {
    performance.mark('vramfit-first-result');
    document.body.dataset.first = engine ? 'module' : 'snapshot';
  }
  afterFrame(() => {
    if (!performance.getEntriesByName('vramfit-first-paint').length)
      performance.mark('vramfit-first-paint');
  });
  // A link's first answer is followed by the form, the fit matrix and a
  // recompute: run as soon as the frame is out, that work held back the
  // frame's raster on two cores (A/B in bench-web's harness, ?task=qlora&
  // gpu=4090: presented 752 -> 644 ms when it waits). The plain page's next
  // step is fetching the module, which should not wait (no gain measured).
  (firstLink ? afterPresented : afterFrame)(() => {
    beforeBelow?.(); // the form, when the answer came before it
    if (seq !== pending) return;
    if (state.embed !== '1') renderBelow(r, state);
    renderCheckpoint($('#model-checkpoint'), source.entryFor(state), r);
    rendered();
    // The presets' parameter counts (the core reads every preset's config for
    // them), or the module itself, come after the first figure's frame.
    if (renders === 1) {
      if (engine) loadPresets();
      else startEngine();
    }
  });
}

function rendered() {
  renders += 1;
  document.body.dataset.renders = String(renders);
  // 'snapshot' until the module's own answer is in (tests wait for 'true').
  document.body.dataset.ready = engine ? 'true' : 'snapshot';
}

function renderBelow(r, state) {
  // Number of GPUs is derived (tp x pp x dp) until the user types one: its
  // empty box shows what the layout runs on, not "default".
  const gpus = document.getElementById(controlId('gpus'));
  if (gpus) gpus.placeholder = String(layoutGpus(r));
  renderWarnings($('#warnings'), r.warnings);
  renderSpeed($('#speed'), r.speed);
  syncVendors(r, state);
  renderGpus(
    $('#gpus'),
    r,
    {
      vendor: $('#vendor').value,
      minGib: state.min_gib,
      highlight: r.target?.id ?? state.gpu,
      showAll: gpuShowAll,
      onShowAll: (all) => {
        gpuShowAll = all;
        renderBelow(r, state);
        rendered();
        $('#gpu-show-all')?.focus();
      },
    },
    catalog,
  );
  renderShare(state, pageUrl, defaults);
}

/** A recommendation's `change` ({"batch_size": 2, "weights_dtype": null}) into the form. */
function applyChange(change) {
  const state = form.read();
  for (const [name, value] of Object.entries(change)) {
    // null: back to the field's default (an empty control).
    if (FIELD_BY_NAME.has(name)) state[name] = value === null ? '' : String(value);
  }
  form.write(state);
  recompute();
  // Focus and scroll follow the change: the first changed field's control
  // (its <details> opened), so keyboard users land where the value moved.
  const first = Object.keys(change).find((name) => FIELD_BY_NAME.has(name));
  const control = first && document.getElementById(controlId(first));
  if (control) {
    const details = control.closest('details');
    if (details) details.open = true;
    control.focus({preventScroll: true});
    control.scrollIntoView({block: 'center'});
  }
}

// Chromium ignores (with a console warning) more than ~200 history updates
// per 10 s, which a held arrow key on a number field reaches: throttle. The
// update waits for the frame that paints the figure (replaceState costs a few
// ms, on the keypress's own task otherwise).
let urlTimer = null;
let urlPending = null;
let urlLast = -Infinity;
function flushUrl() {
  urlTimer = null;
  if (urlPending && urlPending !== location.href) history.replaceState(null, '', urlPending);
  urlPending = null;
  urlLast = performance.now();
}
function setUrl(href) {
  urlPending = href;
  if (urlTimer) return;
  const wait = Math.max(0, 150 - (performance.now() - urlLast));
  urlTimer = setTimeout(() => afterFrame(flushUrl), wait);
}
// Runs `fn` once the total's text is on screen (its Element Timing entry,
// web/js/view-summary.js elementtiming="total"; at the latest after 300 ms,
// as in a hidden tab), or after the frame where Element Timing is missing
// (Firefox, Safari).
function afterPresented(fn) {
  if (!PerformanceObserver.supportedEntryTypes?.includes('element')) {
    afterFrame(fn);
    return;
  }
  let done = false;
  const once = () => {
    if (!done) fn();
    done = true;
  };
  const seen = new PerformanceObserver((list) => {
    if (!list.getEntries().some((e) => e.identifier === 'total')) return;
    seen.disconnect();
    setTimeout(once, 0);
  });
  seen.observe({type: 'element', buffered: true});
  setTimeout(once, 300);
}

// Runs `fn` once the next frame is out: a timeout queued from that frame's
// requestAnimationFrame callback (a hidden page runs no frames: the timeout
// alone then, after 100 ms).
function afterFrame(fn) {
  let done = false;
  const once = () => {
    if (!done) fn();
    done = true;
  };
  requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, 100);
}

// The module's catalogue. The snapshot holds it as text, with the presets'
// parameter counts, when it comes from this very module (same version:
// tests/js/snapshot.test.mjs checks they match): that saves the module's
// catalogue call (~120 ms in Chromium: the data files parsed by
// baseline-compiled wasm) and its count of every preset (~90 ms, just when a
// visitor starts typing). Otherwise the counts follow the first result.
let presetsLabelled = false;
function moduleCatalog(snap) {
  presetsLabelled = snap?.version === engine.version;
  return presetsLabelled ? JSON.parse(snap.catalog) : engine.catalog({presetCounts: false});
}

// A wasm that does not compile here most likely uses what this browser lacks
// (exception handling); an error that names its own way forward
// (web/js/inline-engine.js: a damaged single file) needs no other.
const startFailure = (e) =>
  `The estimator could not start: ${e.message}.` +
  (e instanceof WebAssembly.CompileError
    ? ' This browser may lack WebAssembly exception handling (Chrome 95, Firefox 100, Safari 15.2 or later).'
    : e.forward
      ? ''
      : ' Reload the page; if it persists, this browser may lack WebAssembly exception support.');

// The other presets' configs, once the page is idle (a pick before then
// loads them itself: recompute); their labels from the module only when the
// snapshot did not bring them.
function loadPresets() {
  const load = () =>
    engine.loadPresets().then(
      () => presetsLabelled || form.labelPresets(engine.catalog()),
      () => {}, // recompute reports it when a preset needs them
    );
  if (globalThis.requestIdleCallback) requestIdleCallback(load, {timeout: 3000});
  else setTimeout(load, 500);
}

// With the snapshot painted, the module comes next: its answer replaces the
// snapshot's (the same figures unless the snapshot is stale), and every
// change from then on is computed by it.
let engineReady = null;
function startEngine() {
  engineReady ??= sharedEngine({presets: 'lazy'}).then(
    (e) => {
      engine = e;
      performance.mark('vramfit-engine');
      $('#loading').hidden = true;
      // The page already runs on the snapshot's catalogue: it is the
      // module's when both come from one build.
      if (snapshot.version !== engine.version) catalog = moduleCatalog(snapshot);
      snapshot = null;
      recompute();
      performance.mark('vramfit-live');
      loadPresets();
      return e;
    },
    (e) => {
      $('#loading').hidden = true;
      const error = new EstimatorError('internal', '', startFailure(e));
      showError(error);
      document.body.dataset.ready = 'error';
      throw error;
    },
  );
  engineReady.catch(() => {}); // shown above; ready()'s callers get it too
  return engineReady;
}

// The model box's calls into the core. A Hub fetch started before the module
// is in awaits ready() (which starts it) before its first call.
const engineCalls = {
  ready: () => (engine ? Promise.resolve() : startEngine().then(() => undefined)),
  checkpointHeader: (...a) => liveEngine().checkpointHeader(...a),
  checkpointPlan: (...a) => liveEngine().checkpointPlan(...a),
};
function liveEngine() {
  if (!engine) throw new EstimatorError('loading', '', 'The estimator is still loading.');
  return engine;
}

function recompute() {
  const state = {
    ...form.read(),
    embed: document.body.classList.contains('embed') ? '1' : undefined,
  };
  form.update(state);
  const {request, problems} = stateToRequest(state, catalog, source.configs);
  const list = [
    ...urlProblems,
    ...problems.map((p) =>
      p.name === 'config' && state.config
        ? {name: 'config', message: configProblem(state.config) ?? p.message}
        : p,
    ),
  ];
  renderProblems(list);
  form.markInvalid(problems.map((p) => p.name));
  setUrl(pageUrl(state, {embed: state.embed === '1'}));
  if (!request) {
    source.explainMissing(state, problems);
    if (!state.model) renderCheckpoint($('#model-checkpoint'), undefined, null);
    if (state.embed === '1')
      renderCompactError(
        $('#compact'),
        list.map((p) => p.message).join('; ') || 'No model chosen.',
      );
    document.body.dataset.ready = 'true';
    return;
  }
  const requestText = JSON.stringify(request);
  if (!engine) {
    // Before the module: the snapshot answers its own request only; any
    // other waits (startEngine recomputes).
    if (requestText !== snapshot?.request) {
      pending += 1; // the previous answer's second half is stale now
      $('#results').classList.add('stale');
      $('#loading').hidden = false; // says the estimator is loading
      document.body.dataset.ready = 'loading';
      startEngine(); // a snapshot the page did not use: the module now
      return;
    }
  }
  // Only the default preset's config is in the module until the others come
  // (engine.loadPresets, started after the first figure).
  const preset = request.model?.preset;
  if (engine && preset && !engine.presetLoaded(preset)) {
    engine.loadPresets().then(recompute, (e) => {
      showError(
        new EstimatorError(
          'unknown_preset',
          'model.preset',
          `the presets' configs did not download (${e.message}): check the connection, then pick the preset again`,
        ),
      );
      document.body.dataset.ready = 'true';
    });
    return;
  }
  try {
    if (!renders) performance.mark('vramfit-request');
    const r = engine ? engine.estimate(requestText) : JSON.parse(snapshot.response);
    if (!renders) performance.mark('vramfit-estimate');
    // Unchanged attributes are not written again: a write restyles the node.
    if (!$('#error').hidden) $('#error').hidden = true;
    for (const c of ['stale', 'empty'])
      if ($('#results').classList.contains(c)) $('#results').classList.remove(c);
    render(r, state);
  } catch (e) {
    if (!(e instanceof EstimatorError)) throw e;
    form.markInvalid([e.field, ...problems.map((p) => p.name)].filter(Boolean));
    pending += 1; // no second half of the previous answer over the error
    // A link the estimator rejects has no answer yet: the HTML's default
    // answer under the error would read as the link's.
    if (!renders) $('#results').classList.add('empty');
    if (state.embed === '1') renderCompactError($('#compact'), e.message);
    else {
      showError(e);
      $('#sticky-total').hidden = true;
    }
    document.body.dataset.ready = 'true';
  }
}

function wire() {
  $('#form').addEventListener('submit', (e) => e.preventDefault());
  const root = $('#app');
  root.addEventListener('input', (e) => {
    if (e.target.closest('#chart, .share')) return undefined;
    if (e.target.closest('#model-box')) return undefined; // model-source.js
    urlProblems = [];
    return recompute();
  });
  source.wire();
  $('#chart').addEventListener('focusin', (e) => {
    activeComponent = e.target.dataset?.component ?? activeComponent;
  });
  $('#chart').addEventListener('click', (e) => {
    activeComponent = e.target.closest('[data-component]')?.dataset.component ?? activeComponent;
  });
  for (const btn of $$('button.copy')) {
    btn.addEventListener('click', async () => {
      const src = document.getElementById(btn.dataset.copy);
      try {
        await navigator.clipboard.writeText(src.value);
      } catch {
        src.select();
        document.execCommand('copy');
      }
      btn.textContent = 'Copied';
      setTimeout(() => {
        btn.textContent = 'Copy';
      }, 1500);
    });
  }
}

async function start() {
  performance.mark('vramfit-start');
  // The plain page's answer is in its HTML (scripts/prerender.mjs), so the
  // figure was in the DOM once the HTML was parsed (index.html's head script
  // marks its first frame). That frame goes out before this script adds the
  // rest of the page to lay out: a frame with only the answer is the
  // cheapest first one.
  if (!location.search && $('#summary #total')) {
    document.body.dataset.first = 'prerender';
    const parsed = performance.getEntriesByType('navigation')[0]?.domInteractive;
    performance.mark('vramfit-first-result', parsed ? {startTime: parsed} : undefined);
    await new Promise(afterFrame);
  }
  // A link with settings needs the module for its first answer; the plain
  // page paints the snapshot first and fetches the module after that frame.
  const snap = SNAPSHOT ? JSON.parse(SNAPSHOT) : null;
  if (snap && !location.search) {
    snapshot = snap;
    catalog = JSON.parse(snapshot.catalog);
    presetsLabelled = true;
  } else {
    try {
      engine = await sharedEngine({presets: 'lazy'});
      performance.mark('vramfit-engine');
      catalog = moduleCatalog(snap);
    } catch (e) {
      fatal(startFailure(e));
      return;
    }
  }
  performance.mark('vramfit-catalog');
  $('#version').textContent = `v${engine?.version ?? snapshot.version}`;
  defaults = pageDefaults(catalog);
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(COMPACT_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

  const parsed = parseQuery(location.search, catalog);
  urlProblems = parsed.problems.map((p) => ({
    ...p,
    message: FIELD_BY_NAME.has(p.name) ? `${p.message} (${p.name}= in the link)` : p.message,
  }));
  const state = initialState(catalog, parsed.state, defaults);
  if (state.embed === '1') {
    document.body.classList.add('embed');
    $('#compact').hidden = false;
    $('#app').hidden = true;
  }
  // Out of the prerendered state (web/css/style.css #app.pre).
  $('#app').classList.remove('pre');
  $('#loading').classList.remove('boot');
  $('#loading').hidden = true;
  // The snapshot's answer is painted before the form is built, if the
  // request the form will make is the one it answers (main.js recompute
  // checks the same from then on).
  if (snapshot && JSON.stringify(stateToRequest(state, catalog).request) === snapshot.request) {
    render(JSON.parse(snapshot.response), state, () => buildPage(state));
    return;
  }
  // So is a link's answer, when its settings alone make the request (no
  // config to read, no Hub model to fetch, a preset the module holds): the
  // form follows that frame, and the page then recomputes from the form as
  // it does on every change (same request; the URL is normalized then).
  const quick =
    engine && !state.config && !state.model && !urlProblems.length
      ? stateToRequest(state, catalog)
      : null;
  const preset = quick?.request?.model?.preset;
  if (quick?.request && !quick.problems.length && (!preset || engine.presetLoaded(preset))) {
    try {
      performance.mark('vramfit-request');
      const r = engine.estimate(JSON.stringify(quick.request));
      performance.mark('vramfit-estimate');
      render(r, state, () => {
        buildPage(state);
        recompute();
      });
      return;
    } catch (e) {
      if (!(e instanceof EstimatorError)) throw e; // recompute shows it at its field
    }
  }
  buildPage(state);
  if (state.config) source.onConfigText();
  else if (state.model) source.loadHub();
  else recompute();
}

function buildPage(state) {
  form = buildForm($('#app'), catalog, defaults);
  performance.mark('vramfit-form');
  form.write(state);
  source = createModelSource(recompute, {engine: engineCalls});
  wire();
}

start();
