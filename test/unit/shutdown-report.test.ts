// The shutdown report's lines for the cases the first release did not have: a unit whose
// ./finish was running (no signal sent), strays that had to be SIGKILLed, and the failure path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReportText, type ShutdownReport } from '../../src/shutdown/report.js';

const base: ShutdownReport = {
  trigger: 'SIGTERM', graceMs: 2000, totalMs: 40, signalledMs: 0.4, command: null, services: [], strays: { termed: 0, killed: 0 }, failed: false, critical: null, exitCode: 0,
};

test('a unit whose ./finish was running is reported without a signal', () => {
  const lines = formatReportText({ ...base, services: [{ name: 'web', signal: null, ms: 12, status: 'exited 3', killed: false }] });
  assert.equal(lines[0], 'svinit: shutdown: web: sent nothing (its ./finish was running), gone after 12 ms, exited 3');
});

test('strays that had to be SIGKILLed are counted apart from those that took SIGTERM', () => {
  const lines = formatReportText({ ...base, strays: { termed: 3, killed: 1 }, exitCode: 102 });
  assert.equal(lines.at(-1), 'svinit: shutdown: SIGTERM: 0 service(s) stopped in 40 ms (grace 2000 ms), 0 SIGKILLed, 3 stray process(es) signalled, 1 stray process(es) SIGKILLed, exit 102');
});

test('the failure path says so in the total line', () => {
  const lines = formatReportText({ ...base, failed: true, exitCode: 101 });
  assert.match(lines.at(-1) ?? '', /stopped in 40 ms \(grace 2000 ms\) after an internal error, everything SIGKILLed, 0 SIGKILLed, exit 101$/);
});
