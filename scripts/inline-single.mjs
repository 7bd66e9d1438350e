// Inlines the page into one self-contained HTML file that works from file://
// (toolchain.md: ES modules and a separate .wasm are blocked there).
//   node scripts/inline-single.mjs <web dir> <classic single-file module> <out.html>
// The ES modules under web/js are turned into scoped functions in dependency
// order (a ~40-line bundler for our own import/export subset), and the CSP
// meta tag is rewritten to allow exactly the inlined script and style hashes.
import {createHash} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';

const [webDir, modulePath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: inline-single.mjs <web dir> <vramfit-single.js> <out.html>');
  process.exit(2);
}
const FACTORY = 'gen/vramfit.mjs';
const IMPORT = /^import\s+(?:\{([^}]*)\}|(\w+))\s+from\s+'([^']+)';\s*$/gm;
const EXPORT = /^export\s+(?:async\s+)?(function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)/gm;

const order = [];
const seen = new Set();
function visit(rel) {
  if (seen.has(rel)) return;
  seen.add(rel);
  const src = readFileSync(path.join(webDir, rel), 'utf8');
  for (const m of src.matchAll(IMPORT)) {
    const dep = path.posix.join(path.posix.dirname(rel), m[3]);
    if (dep !== FACTORY) visit(dep);
  }
  order.push({rel, src});
}
visit('js/main.js');

const parts = order.map(({rel, src}) => {
  const names = [];
  let body = src.replace(IMPORT, (all, named, def, from) => {
    const dep = path.posix.join(path.posix.dirname(rel), from);
    if (dep === FACTORY) return `const ${def} = globalThis.createVramfit;`;
    if (def) throw new Error(`${rel}: default import from ${from} not supported`);
    const fields = named.split(',')
                       .map((s) => s.trim())
                       .filter(Boolean)
                       .map((s) => s.replace(/\s+as\s+/, ': '))
                       .join(', ');
    return `const { ${fields} } = __modules[${JSON.stringify(dep)}];`;
  });
  body = body.replace(EXPORT, (all, kind, name) => {
    names.push(name);
    return all.replace(/^export\s+/, '');
  });
  if (/^export\s/m.test(body) || /import\.meta/.test(body))
    throw new Error(`${rel}: unsupported export/import.meta`);
  return `__modules[${JSON.stringify(rel)}] = (() => {\n${body}\nreturn { ${
      names.join(', ')} };\n})();`;
});
const app = `(() => {\n'use strict';\nconst __modules = {};\n${parts.join('\n')}\n})();\n`;
const engine = readFileSync(modulePath, 'utf8');
const css = readFileSync(path.join(webDir, 'css/style.css'), 'utf8');

const hash = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const safe = (text) => text.replace(/<\/(script|style)/gi, '<\\/$1');
const engineJs = safe(engine);
const appJs = safe(app);
const csp = [
  'default-src \'none\'',
  `script-src ${hash(engineJs)} ${hash(appJs)} 'wasm-unsafe-eval'`,
  // The 3.1.6 loader fetch()es its own base64 data: URI before decoding it.
  'connect-src data: https: http://127.0.0.1:* http://localhost:*',
  `style-src ${hash(css)}`,
  'img-src data:',
  'base-uri \'none\'',
  'form-action \'none\'',
].join('; ');

let html = readFileSync(path.join(webDir, 'index.html'), 'utf8');
const replaceOnce = (re, text, what) => {
  if (!re.test(html)) throw new Error(`index.html: ${what} not found`);
  html = html.replace(re, () => text);
};
replaceOnce(
    /<meta http-equiv="Content-Security-Policy" content="[^"]*">/,
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`, 'CSP meta');
replaceOnce(
    /<link rel="stylesheet" href="css\/style\.css">/, `<style>${css}</style>`, 'stylesheet link');
replaceOnce(/<script type="module" src="js\/main\.js"><\/script>\n?/, '', 'module script');
// Preload hints name files the single file has inlined (and its CSP blocks).
html = html.replace(/<link rel="(?:module)?preload"[^>]*>\n?/g, '');
replaceOnce(
    /<\/body>/, `<script>${engineJs}</script>\n<script>${appJs}</script>\n</body>`, '</body>');
writeFileSync(outPath, html);
console.log(`inline-single: ${outPath} (${html.length} bytes, ${order.length} modules)`);
