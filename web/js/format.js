// Pure number formatting for the page and the widget. No DOM, no engine.

export const GIB = 2 ** 30;
export const GB = 1e9;

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const DECIMAL = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

function digits(value) {
  const a = Math.abs(value);
  if (a >= 100) return 0;
  if (a >= 10) return 1;
  return 2;
}

/** "17.07 GiB" / "18.33 GB": auto unit, 3 significant figures or so. */
export function formatBytes(bytes, system = 'binary') {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '—';
  const units = system === 'decimal' ? DECIMAL : BINARY;
  const base = system === 'decimal' ? 1000 : 1024;
  let value = bytes;
  let i = 0;
  // 0.9995: values that would round up to "1024 MiB" show as "1.00 GiB".
  while (Math.abs(value) >= base * 0.9995 && i < units.length - 1) {
    value /= base;
    i += 1;
  }
  if (i === 0) return `${Math.round(value)} B`;
  return `${value.toFixed(digits(value))} ${units[i]}`;
}

/** Bytes in GiB with a fixed unit, for tables that must line up. */
export function formatGiB(bytes, decimals = 2) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '—';
  return `${(bytes / GIB).toFixed(decimals)} GiB`;
}

/** Bytes in GB (10^9), fixed unit. */
export function formatGB(bytes, decimals = 2) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '—';
  return `${(bytes / GB).toFixed(decimals)} GB`;
}

/** Parameter counts: 8030261248 -> "8.03 B", 124439808 -> "124 M". */
export function formatCount(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const steps = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, suffix] of steps) {
    if (Math.abs(n) >= size * 0.9995) {
      const v = n / size;
      return `${v.toFixed(digits(v))} ${suffix}`;
    }
  }
  return String(Math.round(n));
}

/** Integers with thousands separators; null/undefined -> "—". */
export function formatInt(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  // Grouped by hand: the first toLocaleString() call costs ~20 ms (ICU).
  const s = String(Math.abs(Math.round(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 && Math.round(n) !== 0 ? `-${s}` : s;
}

/** Share of a whole as "12.3 %" (one decimal, "<0.1 %" for crumbs). */
export function formatPercent(part, whole) {
  if (!(whole > 0) || typeof part !== 'number') return '—';
  const p = (100 * part) / whole;
  if (p > 0 && p < 0.1) return '<0.1 %';
  return `${p.toFixed(1)} %`;
}

/** Any formula input value as short text (numbers get separators). */
export function formatValue(v) {
  if (typeof v === 'number') {
    return Number.isInteger(v) ? formatInt(v) : String(Number(v.toPrecision(6)));
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
