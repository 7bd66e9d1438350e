// The plain page's answer in its HTML: web/index.html carries, between
// <!--prerender--> and <!--/prerender--> inside #summary, the headline that
// web/js/view-summary.js renders for the default request (its text is the
// snapshot's answer, scripts/snapshot.mjs), and its CSP lists the sha256 of
// each inline script (the head script that hides that answer on a link with
// settings, whose answer differs). Pure: text in, text out.
import {createHash} from 'node:crypto';

import {parseHTML} from 'linkedom';

const BLOCK = /(<!--prerender-->)[\s\S]*?(<!--\/prerender-->)/;
const INLINE_SCRIPT = /<script>([\s\S]*?)<\/script>/g;

/** `'sha256-…'` of a script's text, as CSP wants it. */
export const cspHash = (text) =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The texts of the page's inline scripts (no src). */
export const inlineScripts = (html) => [...html.matchAll(INLINE_SCRIPT)].map((m) => m[1]);

/** The summary's markup for response `r`, by the page's own renderer. */
export async function summaryHtml(r, catalog) {
  const {document, Node} = parseHTML('<!doctype html><html><body><div id="s"></div></body></html>');
  // web/js/dom.js builds with the global document and tests `instanceof Node`.
  const saved = {document: globalThis.document, Node: globalThis.Node};
  Object.assign(globalThis, {document, Node});
  try {
    const {renderSummary} = await import('../web/js/view-summary.js');
    const el = document.getElementById('s');
    renderSummary(el, r, catalog);
    return el.innerHTML;
  } finally {
    Object.assign(globalThis, saved);
  }
}

/** index.html with the answer for `r` prerendered and the CSP's script hashes current. */
export async function prerenderPage(html, r, catalog) {
  if (!BLOCK.test(html)) throw new Error('index.html: no <!--prerender--> block in #summary');
  const markup = await summaryHtml(r, catalog);
  let out = html.replace(BLOCK, (_, open, close) => `${open}${markup}${close}`);
  const hashes = inlineScripts(out).map(cspHash).join(' ');
  const csp = /(script-src 'self')[^;]*?( 'wasm-unsafe-eval')/;
  if (!csp.test(out))
    throw new Error("index.html: CSP script-src 'self' … 'wasm-unsafe-eval' not found");
  out = out.replace(csp, (_, a, b) => `${a}${hashes ? ` ${hashes}` : ''}${b}`);
  return out;
}
