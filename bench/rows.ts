// Turns repeated runs of one init into a table row: N runs, errors kept as notes, medians.
import type { InitSpec } from './inits.js';
import { summarise, type Value } from './measure.js';
import type { Column, Context, Row } from './types.js';

/** What one run measured. */
export interface Sample {
  readonly values: Record<string, Value>;
  readonly notes?: readonly string[];
}

/** A row built from finished samples. */
export function rowFrom(label: string, role: Row['role'], columns: readonly Column[], runs: ReadonlyArray<Record<string, Value>>, notes: readonly string[]): Row {
  const median: Record<string, Value> = {};
  for (const col of columns) median[col.key] = summarise(runs.map((r) => r[col.key] ?? null));
  const status = runs.length > 0 ? 'ok' : `error: ${notes.at(-1) ?? 'no run finished'}`;
  return { label, role, status, runs, median, notes };
}

/** A row for something that cannot run here (not built, not installed). */
export function unavailableRow(label: string, role: Row['role'], status: string): Row {
  return { label, role, status, runs: [], median: {}, notes: [] };
}

/** One line of progress: "key=value" for each column. */
export function brief(columns: readonly Column[], values: Record<string, Value>): string {
  return columns
    .map((c) => {
      const v = values[c.key] ?? null;
      return `${c.key}=${typeof v === 'number' ? Number(v.toFixed(c.digits ?? 3)) : String(v)}`;
    })
    .join(' ');
}

/** Runs `once` ctx.runs times for an init (or skips it) and summarises the runs. */
export async function measureInit(ctx: Context, init: InitSpec, columns: readonly Column[], once: (run: number) => Promise<Sample>): Promise<Row> {
  if (init.unavailable !== null) {
    ctx.say(`  ${init.label}: ${init.unavailable}`);
    return unavailableRow(init.label, init.role, init.unavailable);
  }
  const runs: Array<Record<string, Value>> = [];
  const notes: string[] = [];
  for (let r = 0; r < ctx.runs; r++) {
    try {
      const sample = await once(r);
      runs.push(sample.values);
      for (const note of sample.notes ?? []) notes.push(`run ${r + 1}: ${note}`);
      ctx.say(`  ${init.label} run ${r + 1}/${ctx.runs}: ${brief(columns, sample.values)}`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      notes.push(`run ${r + 1}: ${message}`);
      ctx.say(`  ${init.label} run ${r + 1}/${ctx.runs}: failed: ${message}`);
    }
  }
  return rowFrom(init.label, init.role, columns, runs, notes);
}
