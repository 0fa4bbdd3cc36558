// `npm run build:native`: builds the addon and the C front from source into build/Release with
// node-gyp (npm's own), against the headers of the running Node. `npm run build` calls it in a
// checkout; users whose platform has no prebuild run it through `npm explore svinit -- npm run
// build:native` (python3, make and a C compiler needed). Incremental: node-gyp configures once, and
// make rebuilds only what changed (configure runs again when binding.gyp is newer).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nodedir = resolve(process.execPath, '../..');
const gyp = (...args) => execFileSync('node-gyp', [...args, `--nodedir=${nodedir}`], { cwd: root, stdio: 'inherit' });
try {
  // Configure again when binding.gyp changed (a new source file would otherwise be left out).
  const makefile = resolve(root, 'build', 'Makefile');
  if (!existsSync(makefile) || statSync(makefile).mtimeMs < statSync(resolve(root, 'binding.gyp')).mtimeMs) gyp('configure');
  gyp('build');
} catch (err) {
  process.stderr.write(`build:native: error: unable to build the addon with node-gyp: ${err.message.split('\n')[0]}; ` +
    'it needs python3, make and a C compiler (Debian: apt-get install python3 make gcc)\n');
  process.exit(1);
}
