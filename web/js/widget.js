// <vramfit-estimate preset="meta-llama/Llama-3.1-8B" task="qlora" batch_size="4">
// A compact estimate for other pages. Attributes are the query parameters
// of the page (fields.js); it renders into its shadow root and dispatches
// "vramfit-result" (detail = response JSON) or "vramfit-error"
// (detail = { code, field, message }) after every computation.
import {EstimatorError, sharedEngine} from './engine.js';
import {defaultState, FIELDS, initialState, stateToRequest} from './fields.js';
import {createHub, normalizeEndpoint} from './hub.js';
import {hubKey, loadHubModel} from './hub-model.js';
import {parseQuery, stateToQuery} from './url-state.js';
import {COMPACT_CSS, renderCompact, renderCompactError} from './view-compact.js';

const ATTRIBUTES = FIELDS.map((f) => f.name);
let sheet = null;
const hubModels = new Map(); // hubKey -> loaded repo, shared by all widgets (no token)

export class VramfitEstimate extends HTMLElement {
  static get observedAttributes() {
    return ATTRIBUTES;
  }

  constructor() {
    super();
    this.attachShadow({mode: 'open'});
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(COMPACT_CSS);
    }
    this.shadowRoot.adoptedStyleSheets = [sheet];
    this.box = document.createElement('div');
    this.box.setAttribute('part', 'box');
    this.box.setAttribute('aria-live', 'polite');
    this.box.textContent = 'Estimating…';
    this.shadowRoot.appendChild(this.box);
    this.pending = false;
    /** The last response, or null. */
    this.result = null;
  }

  connectedCallback() {
    this.schedule();
  }

  attributeChangedCallback() {
    if (this.isConnected) this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      this.compute();
    });
  }

  fail(code, field, message) {
    this.result = null;
    renderCompactError(this.box, message);
    this.dispatchEvent(
      new CustomEvent('vramfit-error', {
        detail: {code, field, message},
        bubbles: true,
        composed: true,
      }),
    );
  }

  async compute() {
    let engine;
    try {
      engine = await sharedEngine();
    } catch (e) {
      this.fail('internal', '', `vramfit could not start: ${e.message}`);
      return;
    }
    const catalog = engine.catalog({presetCounts: false});
    const attrs = {};
    for (const name of ATTRIBUTES)
      if (this.hasAttribute(name)) attrs[name] = this.getAttribute(name);
    const {state: given, problems} = parseQuery(attrs, catalog);
    const state = initialState(catalog, given);
    const key = hubKey(state);
    if (state.model && !state.config && !hubModels.has(key) && !problems.length) {
      try {
        const hub = createHub({endpoint: normalizeEndpoint(state.endpoint)});
        hubModels.set(
          key,
          await loadHubModel(hub, engine, {
            id: state.model,
            revision: state.revision || 'main',
            ggufFile: state.gguf_file ?? '',
          }),
        );
      } catch (e) {
        this.fail('fetch_failed', 'model', e.message);
        return;
      }
    }
    const built = stateToRequest(state, catalog, hubModels);
    const all = [...problems, ...built.problems];
    if (all.length || !built.request) {
      const p = all[0];
      this.fail(
        'invalid_attribute',
        p?.name ?? 'preset',
        p ? `${p.name}: ${p.message}` : 'Set a preset, model or config attribute.',
      );
      return;
    }
    try {
      const r = engine.estimate(built.request);
      this.result = r;
      const page = new URL('../index.html', import.meta.url);
      page.search = stateToQuery(state, defaultState(catalog));
      renderCompact(this.box, r, {gpu: state.gpu ?? '', link: page.href, catalog});
      this.dispatchEvent(
        new CustomEvent('vramfit-result', {detail: r, bubbles: true, composed: true}),
      );
    } catch (e) {
      if (!(e instanceof EstimatorError)) throw e;
      this.fail(e.code, e.field, e.message);
    }
  }
}

if (!customElements.get('vramfit-estimate'))
  customElements.define('vramfit-estimate', VramfitEstimate);
