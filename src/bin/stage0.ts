// Stage 0 of a bundled init entry (dist/bundle/svinit.cjs, runsvinit.cjs): a file of a few
// hundred bytes that installs the signal listeners and only then loads the main bundle, so the
// listeners are in before Node reads and compiles 140 KB of code. As PID 1 a signal that arrives
// before them is dropped by the kernel; this makes that window as short as Node allows.
// scripts/bundle.js appends the `require` of the main bundle.
import { installEarlySignals, isCliCommand } from '../init/signals.js';
import { tuneV8 } from '../init/v8-tuning.js';

if (!isCliCommand(process.argv[2])) {
  installEarlySignals();
  tuneV8();
}
