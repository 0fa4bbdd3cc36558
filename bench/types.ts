// The shapes every scenario shares: the run context it gets and the table it returns.
import type { InitSpec } from './inits.js';
import type { Value } from './measure.js';

/** The compiled C helpers (null when they could not be built; `why` says why). */
export interface Tools {
  readonly stormer: string | null;
  readonly deathwatch: string | null;
  readonly pidwatch: string | null;
  readonly sigecho: string | null;
  readonly why: string | null;
}

/** Everything a scenario needs to run. */
export interface Context {
  readonly quick: boolean;
  /** Runs per measurement (the tables show the median). */
  readonly runs: number;
  readonly inits: readonly InitSpec[];
  readonly tools: Tools;
  /** Service counts: 2 and 100 (quick: 2 and 10). */
  readonly small: number;
  readonly large: number;
  /** Orphans in the storm: 2,000 (quick: 200). */
  readonly orphans: number;
  /** Idle window for the wake-up count, ms: 10 s (quick: 3 s). */
  readonly idleMs: number;
  /** A fresh, empty folder for one run. */
  runDir(label: string): string;
  /** One progress line on the console. */
  say(line: string): void;
}

/** One column of a table. */
export interface Column {
  readonly key: string;
  readonly header: string;
  /** Decimal places for numbers. */
  readonly digits?: number;
}

/** One line of a table: an init (or a reference) with its runs and their summary. */
export interface Row {
  readonly label: string;
  readonly role: 'anchor' | 'svinit' | 'reference';
  /** "ok", "n/a (not built)", "skipped: ...", or "error: ..." when no run succeeded. */
  readonly status: string;
  readonly runs: ReadonlyArray<Record<string, Value>>;
  /** Median per column (the most common value for words). */
  readonly median: Record<string, Value>;
  /** Errors of single runs, the init's shutdown report, and the like. */
  readonly notes: readonly string[];
}

/** A scenario's result. */
export interface Table {
  readonly id: string;
  readonly title: string;
  readonly columns: readonly Column[];
  /** Columns for which the svinit/anchor ratios are printed. */
  readonly ratioKeys: readonly string[];
  readonly rows: readonly Row[];
  /** Runs behind each median when the scenario takes fewer than the context's (default: ctx.runs). */
  readonly runs?: number;
}

/** One benchmark scenario. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  run(ctx: Context): Promise<Table>;
}
