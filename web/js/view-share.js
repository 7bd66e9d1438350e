// The "Share and embed" box: the link, a <vramfit-estimate> snippet and an
// iframe snippet. Values go into readonly fields, escaped for HTML attributes.
import {$} from './dom.js';
import {requestState} from './url-state.js';

/** Escapes a value for a double-quoted HTML attribute. */
export const attr = (v) =>
  String(v)
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');

// A field's value, written only when it changes (a write resets the
// selection and lays the field out again).
function set(sel, value) {
  const el = $(sel);
  if (el.value !== value) el.value = value;
}

/**
 * @param {object} state the page state
 * @param {(state: object, opts?: {embed?: boolean}) => string} pageUrl
 * @param {object} defaults values left out of snippets
 */
export function renderShare(state, pageUrl, defaults) {
  set('#share-url', pageUrl(state));
  const base = new URL('.', location.href).href;
  const attrs = Object.entries(requestState(state))
    .filter(([k, v]) => !(defaults[k] !== undefined && String(defaults[k]) === String(v)))
    .map(([k, v]) => ` ${k}="${attr(v)}"`)
    .join('');
  // One classic script (wasm inlined): works from any origin without CORS.
  set(
    '#snippet-element',
    `<script src="${attr(base)}gen/vramfit-widget.js" defer></script>\n` +
      `<vramfit-estimate${attrs}>Estimating GPU memory…</vramfit-estimate>`,
  );
  set(
    '#snippet-iframe',
    `<iframe src="${attr(pageUrl(state, {embed: true}))}" ` +
      'title="vramfit estimate" width="420" height="300" loading="lazy"></iframe>',
  );
}
