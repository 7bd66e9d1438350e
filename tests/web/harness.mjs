// Shared setup of the browser tests: a static server for the repository on a
// free 127.0.0.1 port (scripts/static-server.mjs), headless Chromium through
// playwright-core, and pages that record console errors. Not a test file (no .test. in the name).
import {spawn} from 'node:child_process';
import {mkdirSync, renameSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

import {bundleApp} from '../../scripts/bundle-app.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const shotsDir = path.resolve(root, process.env.E2E_OUT || 'build-wasm/screenshots');
mkdirSync(shotsDir, {recursive: true});

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Spawns a server that prints "PORT <n>" on stdout once listening (the
 * static server, the mock Hub); resolves { port, proc }.
 */
export async function spawnServer(command, args) {
  const proc = spawn(command, args, {stdio: ['ignore', 'pipe', 'inherit']});
  const port = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`${path.basename(args[0])} exited (${code})`)));
  });
  return {port, proc};
}

/**
 * Starts scripts/static-server.mjs on the repo root; resolves { base, stop }.
 * The page runs web/gen/app.mjs: it is rebundled first, so a test run after
 * an edit of web/js never tests the previous bundle.
 */
export async function startServer() {
  // Test files run in parallel: write aside, then rename (atomic), so no
  // page ever reads a half-written bundle.
  const out = path.join(root, 'web/gen/app.mjs');
  writeFileSync(`${out}.${process.pid}`, (await bundleApp(path.join(root, 'web'))).code);
  renameSync(`${out}.${process.pid}`, out);
  const {port, proc} = await spawnServer(process.execPath, [
    path.join(root, 'scripts/static-server.mjs'),
    root,
    '0',
  ]);
  return {base: `http://127.0.0.1:${port}`, stop: () => proc.kill()};
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/**
 * A fresh page; page.problems collects console errors/warnings, uncaught
 * errors and dialogs (an alert() would mean injected script ran).
 */
export async function openPage(
  browser,
  {width = 1280, height = 900, scheme = 'light', blockHub = true} = {},
) {
  const context = await browser.newContext({viewport: {width, height}, colorScheme: scheme});
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      page.problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => {
    page.problems.push(`dialog: ${d.message()}`);
    await d.dismiss();
  });
  // Tests never reach the network: Hub requests are answered by the test.
  if (blockHub)
    await page.route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
  return page;
}

/** Waits until the page has rendered at least `renders` results. */
export async function ready(page, renders = 1) {
  await page.waitForFunction(
    (n) =>
      document.body.dataset.ready === 'true' && Number(document.body.dataset.renders || 0) >= n,
    renders,
    {timeout: 15000},
  );
}

export const totalBytes = (page) => page.$eval('#total', (el) => Number(el.dataset.bytes));
export const shot = (page, name) =>
  page.screenshot({path: path.join(shotsDir, `${name}.png`), fullPage: true});
