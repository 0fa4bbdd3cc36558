// The soak's verdict: each check passes, fails (with what failed) or is skipped (with why), and
// the figures beside them; printed as one summary, and as JSON on request.

export type Verdict = 'pass' | 'FAIL' | 'skip';

export interface Check {
  readonly name: string;
  readonly verdict: Verdict;
  /** The figure behind it, or why it failed or was skipped. */
  readonly detail: string;
  /** Up to a few lines of evidence for a failure. */
  readonly evidence: readonly string[];
}

export class Checks {
  readonly list: Check[] = [];

  /** Passes when `ok`; `detail` says what was measured either way. */
  expect(name: string, ok: boolean, detail: string, evidence: readonly string[] = []): void {
    this.list.push({ name, verdict: ok ? 'pass' : 'FAIL', detail, evidence: ok ? [] : evidence.slice(0, 10) });
  }

  skip(name: string, why: string): void {
    this.list.push({ name, verdict: 'skip', detail: why, evidence: [] });
  }

  get failed(): Check[] {
    return this.list.filter((c) => c.verdict === 'FAIL');
  }
}

/** The summary, one line per figure and per check. */
export function renderSummary(title: string, figures: readonly [string, string][], checks: Checks): string {
  const width = Math.max(...figures.map(([k]) => k.length), ...checks.list.map((c) => c.name.length));
  const lines = [`soak: ${title}`, '', 'figures:'];
  for (const [k, v] of figures) lines.push(`  ${k.padEnd(width)}  ${v}`);
  lines.push('', 'checks:');
  for (const c of checks.list) {
    lines.push(`  ${c.verdict.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`);
    for (const e of c.evidence) lines.push(`          ${e}`);
  }
  const failed = checks.failed.length;
  const skipped = checks.list.filter((c) => c.verdict === 'skip').length;
  lines.push('', failed === 0
    ? `soak: passed (${checks.list.length - skipped} checks${skipped > 0 ? `, ${skipped} skipped` : ''})`
    : `soak: FAILED: ${checks.failed.map((c) => c.name).join('; ')}`);
  return lines.join('\n');
}
