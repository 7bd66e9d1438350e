// Pure formatting helpers of the page (web/js/format.js).
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {
  formatBytes,
  formatCount,
  formatGB,
  formatGiB,
  formatInt,
  formatPercent,
  formatValue,
  GIB,
} from '../../web/js/format.js';

test('formatBytes picks binary units with ~3 significant digits', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(17.07 * GIB), '17.1 GiB');
  assert.equal(formatBytes(7.4 * GIB), '7.40 GiB');
  assert.equal(formatBytes(123.4 * GIB), '123 GiB');
  assert.equal(formatBytes(2048 * GIB), '2.00 TiB');
  assert.equal(formatBytes(1023.9 * 2 ** 20), '1.00 GiB');
});

test('formatBytes decimal system uses GB = 10^9', () => {
  assert.equal(formatBytes(18.33e9, 'decimal'), '18.3 GB');
  assert.equal(formatBytes(999, 'decimal'), '999 B');
});

test('fixed-unit GiB and GB', () => {
  assert.equal(formatGiB(GIB), '1.00 GiB');
  assert.equal(formatGiB(80 * GIB, 1), '80.0 GiB');
  assert.equal(formatGB(1e9), '1.00 GB');
  assert.equal(formatGB(GIB), '1.07 GB');
});

test('non-numbers render as a dash, never NaN', () => {
  for (const v of [undefined, null, NaN, Infinity, '12']) {
    assert.equal(formatBytes(v), '—');
    assert.equal(formatGiB(v), '—');
    assert.equal(formatInt(v), '—');
    assert.equal(formatCount(v), '—');
  }
});

test('parameter counts', () => {
  assert.equal(formatCount(8030261248), '8.03 B');
  assert.equal(formatCount(124439808), '124 M');
  assert.equal(formatCount(70.55e9), '70.5 B');
  assert.equal(formatCount(1.2e12), '1.20 T');
  assert.equal(formatCount(512), '512');
  assert.equal(formatCount(999_900_000), '1.00 B', 'no "1000 M"');
});

test('integers and percentages', () => {
  assert.equal(formatInt(131072), '131,072');
  assert.equal(formatInt(16060522496), '16,060,522,496');
  assert.equal(formatInt(-1234567), '-1,234,567');
  assert.equal(formatInt(999), '999');
  assert.equal(formatInt(-0.4), '0');
  assert.equal(formatPercent(1, 4), '25.0 %');
  assert.equal(formatPercent(1, 1e6), '<0.1 %');
  assert.equal(formatPercent(1, 0), '—');
});

test('formula inputs of any JSON type become short text', () => {
  assert.equal(formatValue(4096), '4,096');
  assert.equal(formatValue(0.1 + 0.2), '0.3');
  assert.equal(formatValue(true), 'true');
  assert.equal(formatValue('bf16'), 'bf16');
  assert.equal(formatValue([1, 2]), '[1,2]');
  assert.equal(formatValue(null), '—');
});
