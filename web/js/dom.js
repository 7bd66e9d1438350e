// Tiny DOM builder. Text always goes in as text nodes: no HTML parsing of
// data anywhere in the app (model ids, config strings, core messages).

/**
 * h('td', { class: 'num', 'data-id': x }, 'text', childNode, [more])
 * Attributes starting with "on" are rejected: handlers are added with
 * addEventListener by the caller.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.includes(':')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.split(':')[1])
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (/^on/i.test(k)) throw new Error(`h(): inline handler ${k} not allowed`);
    if (k === 'style') throw new Error('h(): use el.style.setProperty (CSP)');
    el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// Same kind of node: an element of the same tag and namespace, or text.
const sameKind = (a, b) =>
  a.nodeType === b.nodeType && a.nodeName === b.nodeName && a.namespaceURI === b.namespaceURI;

function morphNode(old, next) {
  if (old.nodeType !== Node.ELEMENT_NODE) {
    if (old.data !== next.data) old.data = next.data;
    return;
  }
  const attrs = next.attributes;
  for (let i = 0; i < attrs.length; i += 1) {
    const {name, value} = attrs[i];
    if (old.getAttribute(name) === value) continue;
    // The CSP forbids style attributes; the CSSOM may set them.
    if (name === 'style') old.style.cssText = next.style.cssText;
    else old.setAttribute(name, value);
  }
  // Every attribute of `next` is now on `old`: equal counts mean no others.
  if (old.attributes.length !== attrs.length)
    for (const name of old.getAttributeNames())
      if (!next.hasAttribute(name)) old.removeAttribute(name);
  morphChildren(old, next);
}

/**
 * Makes `el`'s children match `next`'s (detached) children, keeping the nodes
 * that stay: unchanged text keeps its layout and paint, so an edit relays out
 * only what it changed. A live region whose content changes is replaced
 * whole, as fill() would, so screen readers announce the same text.
 */
function morphChildren(el, next) {
  if (el.hasAttribute?.('aria-live')) {
    const a = el.childNodes;
    const b = next.childNodes;
    if (a.length !== b.length || [...a].some((c, i) => !c.isEqualNode(b[i])))
      el.replaceChildren(...b);
    return;
  }
  let old = el.firstChild;
  for (let n = next.firstChild; n;) {
    const following = n.nextSibling;
    if (old && sameKind(old, n)) {
      morphNode(old, n);
      old = old.nextSibling;
    } else el.insertBefore(n, old);
    n = following;
  }
  while (old) {
    const following = old.nextSibling;
    old.remove();
    old = following;
  }
}

/**
 * fill() for views re-rendered on every edit: the same result, reached by
 * updating the nodes in place (see morphChildren). Handlers on the new nodes
 * are not kept: such views listen on `el` itself.
 */
export function patch(el, ...children) {
  const next = document.createElement(el.localName);
  append(next, children);
  morphChildren(el, next);
  return el;
}
