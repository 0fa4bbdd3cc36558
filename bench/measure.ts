// Summary statistics for bench samples: medians of numbers, the most common of words, and
// svinit-to-anchor ratios.

/** One measured value: a number, a word (e.g. a verdict), or null when it could not be measured. */
export type Value = number | string | null;

/** The median of the numbers (null when there are none). */
export function median(values: readonly number[]): number | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] as number;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] as number) + hi) / 2;
}

/** The p-th percentile (0-100, nearest rank) of the numbers (null when there are none). */
export function percentile(values: readonly number[], p: number): number | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** The most common word (ties: the first seen), or null. */
export function mode(values: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  let bestCount = 0;
  for (const [v, c] of counts) {
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

/** Summarises one column over runs: median if every value is a number, else the most common word. */
export function summarise(values: readonly Value[]): Value {
  const present = values.filter((v): v is number | string => v !== null);
  if (present.length === 0) return null;
  if (present.every((v) => typeof v === 'number')) return median(present as number[]);
  return mode(present.map(String));
}

/** svinit / anchor, or null when either is not a number or the anchor is 0. */
export function ratio(svinit: Value, anchor: Value): number | null {
  if (typeof svinit !== 'number' || typeof anchor !== 'number' || anchor === 0) return null;
  return svinit / anchor;
}

/** Wall-clock milliseconds since the epoch with sub-millisecond precision (CLOCK_REALTIME). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after ms milliseconds; used for measurement windows, never to wait for readiness. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
