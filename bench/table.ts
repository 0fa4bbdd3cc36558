// Renders a scenario's table and its svinit/anchor ratios as fixed-width text.
import { ratio, type Value } from './measure.js';
import type { Column, Row, Table } from './types.js';

/** One svinit/anchor ratio of one column. */
export interface Ratio {
  readonly key: string;
  readonly anchor: string;
  readonly svinit: string;
  /** svinit / anchor; null when either side is missing or the anchor is 0. */
  readonly value: number | null;
}

/** Every ratio of a table: each svinit row against each anchor row, for each ratio column. */
export function ratiosOf(table: Table): Ratio[] {
  const out: Ratio[] = [];
  const anchors = table.rows.filter((r) => r.role === 'anchor');
  const svinits = table.rows.filter((r) => r.role === 'svinit');
  for (const key of table.ratioKeys) {
    for (const a of anchors) {
      for (const s of svinits) out.push({ key, anchor: a.label, svinit: s.label, value: ratio(s.median[key] ?? null, a.median[key] ?? null) });
    }
  }
  return out;
}

function cell(v: Value, col: Column): string {
  if (v === null) return '-';
  return typeof v === 'number' ? v.toFixed(col.digits ?? 3) : v;
}

function grid(header: readonly string[], body: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)];
}

function rowCells(row: Row, cols: readonly Column[]): string[] {
  if (row.status !== 'ok') return [row.label, row.status, ...cols.slice(1).map(() => '')];
  return [row.label, ...cols.map((c) => cell(row.median[c.key] ?? null, c))];
}

/** The table, then one ratio block per ratio column (rows: anchors; columns: svinit variants). */
export function renderTable(table: Table, runs: number): string {
  const out = [`== ${table.id}: ${table.title} (median of ${runs} run${runs === 1 ? '' : 's'})`];
  out.push(...grid(['init', ...table.columns.map((c) => c.header)], table.rows.map((r) => rowCells(r, table.columns))));
  const svinits = table.rows.filter((r) => r.role === 'svinit');
  const anchors = table.rows.filter((r) => r.role === 'anchor');
  const all = ratiosOf(table);
  for (const key of table.ratioKeys) {
    const header = table.columns.find((c) => c.key === key)?.header ?? key;
    out.push('', `ratio = svinit / anchor, for "${header}" (below 1: svinit lower)`);
    const body = anchors.map((a) => [
      a.label,
      ...svinits.map((s) => {
        if (s.status !== 'ok') return s.status.startsWith('n/a') ? 'n/a' : '-';
        const r = all.find((x) => x.key === key && x.anchor === a.label && x.svinit === s.label)?.value ?? null;
        return r === null ? '-' : r === 0 ? '0x' : `${r >= 100 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}x`;
      }),
    ]);
    out.push(...grid(['anchor', ...svinits.map((s) => s.label)], body));
  }
  const notes = table.rows.flatMap((r) => r.notes.map((n) => `  ${r.label}: ${n}`));
  if (notes.length > 0) out.push('', 'notes:', ...notes.slice(0, 20), ...(notes.length > 20 ? [`  ... ${notes.length - 20} more in the JSON`] : []));
  return out.join('\n');
}
