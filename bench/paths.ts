// Where the bench finds its own files and svinit's, relative to the compiled dist/bench/ folder.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/bench/paths.js -> ../../). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Shell scripts the benchmarked services run (bench/services/*.sh). */
export const SERVICES_DIR = join(REPO_ROOT, 'bench', 'services');

/** The classic shell-wrapper init (an anchor). */
export const TRAP_WRAPPER = join(REPO_ROOT, 'bench', 'anchors', 'trap-wrapper.sh');

/** The limit of a graceful stop (an anchor for the stop-latency scenario, run under `tini -g`). */
export const GROUP_WAIT = join(REPO_ROOT, 'bench', 'anchors', 'group-wait.sh');

/** C helpers compiled at bench time (bench/tools/*.c). */
export const TOOLS_SRC = join(REPO_ROOT, 'bench', 'tools');

/** svinit's launcher, the command line the contract names. */
export const SVINIT_BIN = join(REPO_ROOT, 'bin', 'svinit');

/** The compiled init the launcher runs; svinit rows are "n/a (not built)" until it exists. */
export const SVINIT_ENTRY = join(REPO_ROOT, 'dist', 'src', 'bin', 'svinit.js');

/** Default place for the JSON results (gitignored). */
export const DEFAULT_JSON = join(REPO_ROOT, 'bench', 'results', 'latest.json');

/** Whether svinit has been built. */
export function svinitBuilt(): boolean {
  return existsSync(SVINIT_ENTRY);
}
