#!/usr/bin/env node
// The runsvinit entry: a drop-in for the Go runsvinit (`-debug`, `-reap=false`) that runs svinit.
// As for svinit, the signal listeners go in before any other module loads.
import { writeSync } from 'node:fs';
import { installEarlySignals } from '../init/signals.js';
import { tuneV8 } from '../init/v8-tuning.js';
import { exitWhenDone } from './exit.js';

installEarlySignals();
tuneV8();

async function run(): Promise<number> {
  const { mapRunsvinitArgs, RUNSVINIT_HELP, wantsRunsvinitHelp } = await import('../init/runsvinit-args.js');
  if (wantsRunsvinitHelp(process.argv.slice(2))) {
    writeSync(1, `${RUNSVINIT_HELP}\n`);
    return 0;
  }
  const { UsageError } = await import('../init/options.js');
  const { EXIT_GO_USAGE } = await import('../process/exit-codes.js');
  let argv: string[];
  try {
    argv = mapRunsvinitArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    writeSync(2, `runsvinit: fatal: ${err.message}\n`);
    return EXIT_GO_USAGE;
  }
  const { main } = await import('../init/main.js');
  return main(argv, process.env);
}

exitWhenDone('runsvinit', run(), true);
