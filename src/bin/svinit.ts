#!/usr/bin/env node
// The svinit entry. As an init, its signal listeners go in before any other module loads (a
// signal that arrives before them is lost, and SIGUSR1 would open Node's inspector); the control
// commands (sv, status, check) load only what they need.
import { installEarlySignals, isCliCommand } from '../init/signals.js';
import { tuneV8 } from '../init/v8-tuning.js';
import { exitWhenDone } from './exit.js';

// Bundled, stage 0 (src/bin/stage0.ts) has already done this: then it is a no-op.
const isCli = isCliCommand(process.argv[2]);
if (!isCli) {
  installEarlySignals();
  tuneV8();
}

async function run(): Promise<number> {
  if (isCli) {
    const { runCli } = await import('../cli/main.js');
    return runCli(process.argv.slice(2), process.env);
  }
  const { main } = await import('../init/main.js');
  return main(process.argv.slice(2), process.env);
}

exitWhenDone('svinit', run(), !isCli);
