// Runs every compiled test file under dist/test with node's own test runner, in three steps:
// unit and native tests two files at a time, end-to-end and compat tests one file at a time (they
// time real processes and share the machine's two cores), then the bench smoke test on its own.
// Node 20's `node --test` takes no globs, so the file lists are built here.
//
//   node scripts/run-tests.js [PATTERN...]   only the files whose path contains a PATTERN
//
// Each step prints node's own report (and its closing "# pass N" / "# fail N" lines); the run
// fails if any step fails, or if no test ran at all.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { clearTimeout, setTimeout } from 'node:timers';

const ROOT = 'dist/test';
const STEPS = [
  { name: 'unit and native tests', dirs: ['unit', 'native'], concurrency: 2 },
  { name: 'end-to-end and compat tests, one file at a time', dirs: ['e2e', 'compat'], concurrency: 1 },
  { name: 'bench smoke test', dirs: ['bench'], concurrency: 1 },
];
// A step that runs longer than this is stuck (a whole run takes a few minutes): end it and fail.
const STEP_LIMIT_MS = Number(process.env.SVINIT_TEST_STEP_LIMIT_S ?? 1800) * 1000;

function find(dir) {
  const out = [];
  let names;
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

/** The counts of node's closing summary ("# tests N", "# pass N", ...) in a TAP file. */
function summary(tapFile) {
  const counts = {};
  let text = '';
  try {
    text = readFileSync(tapFile, 'utf8');
  } catch {
    return counts;
  }
  for (const m of text.matchAll(/^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
  return counts;
}

/** Runs one step; resolves with its exit status and counts. */
function runStep(step, files, tapFile) {
  // The report on stdout is node's default (spec on a terminal, TAP otherwise); a TAP copy goes to
  // a file so that the counts can be read back.
  const stdoutReporter = process.stdout.isTTY ? 'spec' : 'tap';
  const args = [
    '--test', `--test-concurrency=${step.concurrency}`,
    `--test-reporter=${stdoutReporter}`, '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ];
  return new Promise((resolve) => {
    // Its own process group, so that a stuck step can be ended with everything it started.
    const child = spawn(process.execPath, args, { stdio: 'inherit', detached: true });
    const forward = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const onInt = () => forward('SIGINT');
    const onTerm = () => forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`run-tests: ${step.name}: still running after ${STEP_LIMIT_MS / 1000} s; ending it`);
      forward('SIGKILL');
    }, STEP_LIMIT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      const status = timedOut ? 124 : code ?? 128;
      resolve({ status, signal, counts: summary(tapFile) });
    });
  });
}

const only = process.argv.slice(2);
const pick = (f) => only.length === 0 || only.some((o) => f.includes(o));
const plan = STEPS.map((step) => ({ step, files: step.dirs.flatMap((d) => find(join(ROOT, d))).filter(pick) }));
if (plan.every((p) => p.files.length === 0)) {
  console.error(`run-tests: no test files found under ${ROOT}${only.length > 0 ? ` matching ${only.join(' ')}` : ''} (did \`npm run build\` run?)`);
  process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'svinit-run-tests-'));
const results = [];
for (const [i, { step, files }] of plan.entries()) {
  const header = `run-tests: step ${i + 1} of ${plan.length}: ${step.name}`;
  if (files.length === 0) {
    console.log(`\n# ${header}: no files${only.length > 0 ? ' match' : ''}, skipped\n`);
    continue;
  }
  console.log(`\n# ${header} (${files.length} file(s), concurrency ${step.concurrency})\n`);
  const t0 = Date.now();
  const r = await runStep(step, files, join(tmp, `step-${i + 1}.tap`));
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  results.push({ name: step.name, secs, ...r });
  const how = r.signal !== null ? `killed by ${r.signal}` : `exit ${r.status}`;
  console.log(`\n# ${header}: ${how} after ${secs} s\n`);
}
rmSync(tmp, { recursive: true, force: true });

// Totals, worded so that they never read as one more "# pass N" line of node's own.
const total = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
for (const r of results) for (const k of Object.keys(total)) total[k] += r.counts[k] ?? 0;
const failed = results.filter((r) => r.status !== 0 || r.signal !== null);
console.log('# run-tests: every step:');
for (const r of results) console.log(`#   ${r.name}: ${r.status === 0 && r.signal === null ? 'ok' : 'FAILED'} (${r.counts.pass ?? '?'} passed, ${r.counts.fail ?? '?'} failed, ${r.secs} s)`);
console.log(`#   all steps: tests ${total.tests}, passed ${total.pass}, failed ${total.fail}, cancelled ${total.cancelled}, skipped ${total.skipped}, todo ${total.todo}`);
if (total.tests - total.skipped - total.todo <= 0) {
  console.error('run-tests: no test ran');
  process.exit(1);
}
if (failed.length > 0) {
  console.error(`run-tests: failed: ${failed.map((r) => r.name).join('; ')}`);
  process.exit(1);
}
