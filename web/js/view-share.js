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

/**
 * @param {object} state the page state
 * @param {(state: object, opts?: {embed?: boolean}) => string} pageUrl
 * @param {object} defaults values left out of snippets
 */
export function renderShare(state, pageUrl, defaults) {
  $('#share-url').value = pageUrl(state);
  const base = new URL('.', location.href).href;
  const attrs = Object.entries(requestState(state))
    .filter(([k, v]) => !(defaults[k] !== undefined && String(defaults[k]) === String(v)))
    .map(([k, v]) => ` ${k}="${attr(v)}"`)
    .join('');
  // One classic script (wasm inlined): works from any origin without CORS.
  $('#snippet-element').value =
    `<script src="${attr(base)}gen/vramfit-widget.js" defer></script>\n` +
    `<vramfit-estimate${attrs}>Estimating GPU memory…</vramfit-estimate>`;
  $('#snippet-iframe').value =
    `<iframe src="${attr(pageUrl(state, {embed: true}))}" ` +
    'title="vramfit estimate" width="420" height="300" loading="lazy"></iframe>';
}
