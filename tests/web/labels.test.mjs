// "No label is a raw id" (issue 10): the page renders several configurations
// and its visible text must hold none of the core's ids that people never
// type: the catalogue's enum values, phases and components with a '_' in
// them (bf16_mixed, layer_backward, optimizer_states, paged_adamw_8bit),
// nor the verdict id "no" as a badge. Code (the formula and its inputs, the
// share snippets) and form values are left out: they are meant to be ids.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {launch, openPage, ready, shot, startServer} from './harness.mjs';

let server;
let browser;
let url;

before(async () => {
  server = await startServer();
  browser = await launch();
  url = `${server.base}/web/index.html`;
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const CASES = {
  'vllm-70b-h100':
    'task=inference&engine=vllm&preset=meta-llama/Llama-3.1-70B&gpu=h100-sxm-80g' +
    '&weights_dtype=fp8&kv_cache_dtype=fp8',
  'full-zero3':
    'task=full&parallel.zero=3&parallel.dp=8&precision=bf16_mixed&optimizer=adamw' +
    '&gpu=a100-sxm-80g&search=true',
  'lora-4090': 'task=lora&gpu=rtx-4090-24g&batch_size=8&seq_len=4096',
  'qlora-paged':
    'task=qlora&optimizer=paged_adamw_8bit&gpu=rtx-3090-24g&batch_size=4' +
    '&seq_len=4096&loss=chunked',
  'moe-too-long': 'preset=Qwen/Qwen3-30B-A3B&seq_len=1000000&gpu=rtx-4090-24g',
};

/** The catalogue's ids with a '_' (never an English word), read in the page. */
function catalogIds(page) {
  return page.evaluate(async () => {
    const {sharedEngine} = await import('/web/js/engine.js');
    const c = (await sharedEngine()).catalog({presetCounts: false});
    const ids = new Set();
    for (const f of c.fields ?? []) for (const v of f.values ?? []) ids.add(String(v.id));
    for (const list of Object.values(c.enums ?? {})) for (const id of list) ids.add(String(id));
    for (const p of c.phases ?? []) ids.add(String(p.id));
    for (const x of c.components ?? []) ids.add(String(x.id));
    // GPU ids ("h100-sxm-80g"): people read the name ("H100 SXM").
    const gpus = (c.gpus ?? []).map((g) => String(g.id));
    return [...[...ids].filter((id) => id.includes('_')), ...gpus];
  });
}

/** What a person reads: body text without code, form values or hidden parts. */
function visibleText(page) {
  return page.evaluate(() => {
    const hidden = [...document.querySelectorAll('code, pre, textarea')];
    const before = hidden.map((el) => el.style.display);
    for (const el of hidden) el.style.display = 'none';
    const text = document.body.innerText;
    hidden.forEach((el, i) => {
      el.style.display = before[i];
    });
    return text;
  });
}

for (const [name, query] of Object.entries(CASES)) {
  test(`no raw id in the page's text: ${name}`, async () => {
    const page = await openPage(browser);
    await page.goto(`${url}?${query}`);
    await ready(page);
    const ids = await catalogIds(page);
    assert.ok(
      ids.includes('bf16_mixed') && ids.includes('optimizer_states'),
      `catalogue ids read: ${ids.join(', ')}`,
    );
    // Every component's explanation panel, not just the first one shown.
    const text = [await visibleText(page)];
    for (const b of await page.$$('#components button[data-component]')) {
      await b.click();
      text.push(
        await page.$eval('#explain', (el) => {
          const c = el.cloneNode(true);
          for (const x of c.querySelectorAll('code')) x.remove();
          return c.textContent;
        }),
      );
    }
    const all = text.join('\n');
    const found = ids.filter((id) => new RegExp(`(^|[^\\w])${id}($|[^\\w])`).test(all));
    assert.deepEqual(found, [], `raw ids in the visible text of ${name}`);
    // Verdict ids: badges show the catalogue's label.
    const badges = await page.$$eval('.badge', (els) => els.map((e) => e.textContent.trim()));
    assert.ok(badges.length > 0);
    assert.ok(!badges.some((b) => b === 'no' || b === ''), badges.join('|'));
    // GPU vendors: the fit table and the vendor filter show names, not ids.
    const vendors = await page.$$eval('#gpus .vendor, #vendor option', (els) =>
      els.map((e) => e.textContent.trim()),
    );
    assert.ok(vendors.includes('NVIDIA') && vendors.includes('Apple'), vendors.join('|'));
    const vendorIds = ['nvidia', 'amd', 'intel', 'apple', 'custom'];
    assert.deepEqual(
      vendors.filter((v) => vendorIds.includes(v)),
      [],
    );
    await shot(page, `labels-${name}`);
    assert.deepEqual(page.problems, []);
  });
}

test('embed view: verdict and components by label', async () => {
  const page = await openPage(browser);
  await page.goto(`${url}?embed=1&task=qlora&gpu=rtx-3090-24g&seq_len=100000`);
  await ready(page);
  const ids = await catalogIds(page);
  const text = await visibleText(page);
  assert.deepEqual(
    ids.filter((id) => text.includes(id)),
    [],
  );
  assert.match(text, /does not fit/);
  assert.deepEqual(page.problems, []);
});
