// Inlines the page into one self-contained HTML file that works from file://
// (toolchain.md: ES modules and a separate .wasm are blocked there).
//   node scripts/inline-single.mjs <web dir> <out.html>
// The engine (wasm inlined packed: web/js/inline-engine.js) and the app are bundled by
// scripts/bundle-app.mjs, and the CSP meta tag is rewritten to allow exactly
// the inlined script and style hashes.
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';

import {transformSync} from 'esbuild';

import {bundleApp, engineScript} from './bundle-app.mjs';
import {cspHash, inlineScripts} from './prerender.mjs';

const [webDir, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: inline-single.mjs <web dir> <out.html>');
  process.exit(2);
}
const {code: app, modules} = await bundleApp(webDir, {factory: 'global'});
// The presets' configs ride along (the module embeds only the default one).
const engine = await engineScript(webDir);
// Minified by esbuild as the JS is (12.9 -> 10.6 KB raw, 3.9 -> 3.4 KB gzipped).
const css = transformSync(readFileSync(path.join(webDir, 'css/style.css'), 'utf8'), {
  loader: 'css',
  minify: true,
  legalComments: 'none',
}).code;

const safe = (text) => text.replace(/<\/(script|style)/gi, '<\\/$1');
const engineJs = safe(engine);
const appJs = safe(app);
let html = readFileSync(path.join(webDir, 'index.html'), 'utf8');
// index.html's own inline script (the head one, scripts/prerender.mjs).
const pageScripts = inlineScripts(html).map(cspHash);
const csp = [
  "default-src 'none'",
  `script-src ${[...pageScripts, cspHash(engineJs), cspHash(appJs)].join(' ')} 'wasm-unsafe-eval'`,
  'connect-src https: http://127.0.0.1:* http://localhost:*',
  `style-src ${cspHash(css)}`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const replaceOnce = (re, text, what) => {
  if (!re.test(html)) throw new Error(`index.html: ${what} not found`);
  html = html.replace(re, () => text);
};
replaceOnce(
  /<meta http-equiv="Content-Security-Policy" content="[^"]*">/,
  `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
  'CSP meta',
);
replaceOnce(
  /<link rel="stylesheet" href="css\/style\.css">/,
  `<style>${css}</style>`,
  'stylesheet link',
);
replaceOnce(/<script type="module" src="gen\/app\.mjs"><\/script>\n?/, '', 'module script');
// Preload hints name files the single file has inlined (and its CSP blocks).
html = html.replace(/<link rel="(?:module)?preload"[^>]*>\n?/g, '');
replaceOnce(
  /<\/body>/,
  `<script>${engineJs}</script>\n<script>${appJs}</script>\n</body>`,
  '</body>',
);
writeFileSync(outPath, html);
console.log(`inline-single: ${outPath} (${html.length} bytes, ${modules.length} modules)`);
