// Bundles each entry (bin/svinit, bin/runsvinit) into one CommonJS file under dist/bundle/.
// Why: Node 20 spends about 20 ms setting up its ESM loader and 1-2 ms per module file on this
// kind of VM; one CommonJS file per entry starts 30-50 ms sooner, which matters for `svinit check`
// run as a health probe every second and for the init's own start-up. The code stays ESM in src/.
//
// Each entry is two files: NAME-main.cjs (the whole program) and NAME.cjs, its stage 0
// (src/bin/stage0.ts, a few hundred bytes): it installs the init's signal listeners, then requires
// NAME-main.cjs, so that the listeners are in before Node parses 140 KB (as PID 1, a signal that
// arrives before them is lost).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const ESBUILD = 'node_modules/.bin/esbuild';
const COMMON = ['--bundle', '--format=cjs', '--platform=node', '--target=node20', '--log-level=warning'];

rmSync('dist/bundle', { recursive: true, force: true });
execFileSync(ESBUILD, [
  'dist/src/bin/svinit.js',
  'dist/src/bin/runsvinit.js',
  ...COMMON,
  '--outdir=dist/bundle',
  '--entry-names=[name]-main',
  '--out-extension:.js=.cjs',
  // import.meta.url (the addon loader, the version) as CommonJS knows it.
  '--define:import.meta.url=__svinit_url',
  "--banner:js=const __svinit_url = require('node:url').pathToFileURL(__filename).href;",
], { stdio: 'inherit' });
for (const name of ['svinit', 'runsvinit']) {
  execFileSync(ESBUILD, [
    'dist/src/bin/stage0.js',
    ...COMMON,
    `--outfile=dist/bundle/${name}.cjs`,
    `--footer:js=require('./${name}-main.cjs');`,
  ], { stdio: 'inherit' });
}
