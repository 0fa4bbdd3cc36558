// The main command on a terminal, through a real pseudo-terminal (util-linux `script`): CMD's
// output is exactly its own, ^C reaches CMD's foreground group (exit 130), and an interactive
// bash has job control (^Z, jobs, fg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track } from '../helpers/teardown.js';
import { PID1_SKIP, SVINIT_BIN, waitFor } from './init-harness.js';

const SCRIPT_SKIP: string | false = (() => {
  const r = spawnSync('script', ['--version'], { stdio: 'pipe' });
  if (r.status === 0) return false;
  const why = 'util-linux script is not installed (apt-get install bsdutils); terminal cases skipped';
  console.log(`# ${why}`);
  return why;
})();

/** One svinit under `script`: its terminal's output so far, what to type, and the exit code. */
class OnTerminal {
  output = '';
  readonly exited: Promise<number | null>;
  readonly #child;

  constructor(args: string[], pid1 = false, prefix: string[] = []) {
    const unshare = pid1 ? ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'] : [];
    const command = [...unshare, ...prefix, SVINIT_BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    this.#child = track(spawn('script', ['-qefc', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, SVINIT_NODE: process.execPath },
    }));
    this.#child.stdout.setEncoding('utf8').on('data', (s: string) => { this.output += s; });
    this.exited = new Promise((resolve) => this.#child.on('exit', (code) => resolve(code)));
  }

  type(text: string): void {
    this.#child.stdin.write(text);
  }

  /** Waits until the terminal shows `re` after position `from`; returns the new end. */
  async shows(re: RegExp, what: string, from = 0): Promise<number> {
    await waitFor(() => re.test(this.output.slice(from)), 15_000, `${what}; the terminal shows:\n${JSON.stringify(this.output)}`);
    return this.output.length;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }
}

test('on a terminal, CMD\'s output is exactly its own and its status is svinit\'s', { skip: SCRIPT_SKIP, timeout: 60_000 }, async (t) => {
  const term = new OnTerminal(['--no-services', '--', 'sh', '-c', 'echo hello; exit 4']);
  t.after(() => term.kill());
  term.type('');
  assert.equal(await term.exited, 4);
  assert.equal(term.output, 'hello\r\n');
});

for (const pid1 of [false, true]) {
  test(`^C reaches CMD's foreground group: exit 130 (${pid1 ? 'PID 1' : 'subreaper'})`, { skip: SCRIPT_SKIP || (pid1 && PID1_SKIP), timeout: 60_000 }, async (t) => {
    // An empty service directory, not --no-services: then svinit's info lines tell what it saw.
    const dir = mkdtempSync(join(tmpdir(), 'svinit-tty-'));
    const term = new OnTerminal(['--dir', dir, '--', 'sh', '-c', 'echo ready; exec sleep 100'], pid1);
    t.after(() => { term.kill(); rmSync(dir, { recursive: true, force: true }); });
    await term.shows(/ready/, 'CMD up');
    term.type('\x03');
    assert.equal(await term.exited, 130, term.output);
    // Only CMD's group is the terminal's foreground group: svinit never got the ^C itself (it
    // would say "SIGINT: stopping ..."); the shutdown followed CMD's own exit.
    assert.match(term.output, /main command \(sh\) killed by SIGINT: stopping every service/);
    assert.doesNotMatch(term.output, /info: SIGINT:/);
  });
}

for (const own of [true, false]) {
  test(`beside CMD, services read /dev/null when svinit's stdin is a terminal (${own ? 'its controlling terminal' : 'one of another session'})`, { skip: SCRIPT_SKIP, timeout: 60_000 }, async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'svinit-tty-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'sv', 'a'), { recursive: true });
    writeFileSync(join(root, 'sv', 'a', 'run'), `#!/bin/sh\nreadlink /proc/self/fd/0 > ${root}/a.stdin.tmp\nmv ${root}/a.stdin.tmp ${root}/a.stdin\nexec sleep 100\n`, { mode: 0o755 });
    const cmd = `readlink /proc/self/fd/0 > ${root}/cmd.stdin; while [ ! -e ${root}/a.stdin ]; do sleep 0.05; done`;
    // setsid: svinit in a session of its own, without a controlling terminal, its stdin still the pty.
    const term = new OnTerminal(['--dir', join(root, 'sv'), '--', 'sh', '-c', cmd], false, own ? [] : ['setsid', '-w']);
    t.after(() => term.kill());
    assert.equal(await term.exited, 0, term.output);
    assert.match(readFileSync(join(root, 'cmd.stdin'), 'utf8'), /^\/dev\/pts\/\d+$/m, 'CMD has the terminal');
    assert.equal(readFileSync(join(root, 'a.stdin'), 'utf8').trim(), '/dev/null', 'the service does not');
  });
}

test('an interactive bash under svinit has job control: ^Z, jobs, fg', { skip: SCRIPT_SKIP, timeout: 60_000 }, async (t) => {
  const term = new OnTerminal(['--no-services', '--', 'bash', '--norc', '--noprofile', '-i']);
  t.after(() => term.kill());
  let at = await term.shows(/# $|\$ $/, 'the prompt');
  term.type('sleep 100\n');
  at = await term.shows(/sleep 100/, 'the command echoed', at);
  term.type('\x1a');
  at = await term.shows(/\[1\]\+\s+Stopped\s+sleep 100/, 'the job stopped by ^Z', at);
  term.type('fg\n');
  at = await term.shows(/sleep 100\r?\n/, 'the job in the foreground again', at);
  term.type('\x03');
  await term.shows(/# $|\$ $/, 'the prompt after ^C', at);
  term.type('exit 3\n');
  assert.equal(await term.exited, 3, term.output);
  assert.doesNotMatch(term.output, /no job control/);
});
