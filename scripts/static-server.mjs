// A small static file server for the page (scripts/serve.sh) and the browser
// tests: keep-alive, the right MIME types (application/wasm lets the browser
// compile while downloading), no caching (edits show on reload). Node only,
// no dependencies. Usage: node scripts/static-server.mjs DIR PORT [HOST]
// Prints "PORT <n>" once listening (PORT 0 picks a free one).
import {readFile, stat} from 'node:fs/promises';
import {createServer} from 'node:http';
import path from 'node:path';

const [dir = '.', port = '8000', host = '127.0.0.1'] = process.argv.slice(2);
const root = path.resolve(dir);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.md': 'text/plain; charset=utf-8',
};

async function resolveFile(urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const file = path.resolve(root, `.${rel}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null; // no ../ escapes
  try {
    const s = await stat(file);
    if (s.isDirectory()) {
      const index = path.join(file, 'index.html');
      return (await stat(index)).isFile() ? index : null;
    }
    return s.isFile() ? file : null;
  } catch {
    return null;
  }
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, {Allow: 'GET, HEAD'}).end();
    return;
  }
  const file = await resolveFile(url.pathname);
  if (!file) {
    res.writeHead(404, {'Content-Type': 'text/plain'}).end('not found\n');
    return;
  }
  // A directory without its trailing slash: redirect so relative URLs work.
  if (
    !url.pathname.endsWith('/') &&
    file.endsWith(`${path.sep}index.html`) &&
    !url.pathname.endsWith('.html')
  ) {
    res.writeHead(301, {Location: `${url.pathname}/${url.search}`}).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(500).end();
  }
});
server.keepAliveTimeout = 10000;
server.listen(Number(port), host, () => {
  console.log(`PORT ${server.address().port}`);
});
