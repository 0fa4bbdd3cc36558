// Lint: the recommended rules, plus two rules the init lives by: nothing under src/ may import
// child_process or cluster (libuv would race the reaper for exit statuses), and each src/ folder
// imports only the layers below it (../shared/ARCHITECTURE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const CHILD_PROCESS = ['child_process', 'node:child_process', 'cluster', 'node:cluster'].map((name) => ({
  name,
  message: 'The init never loads child_process or cluster: spawn through the native addon.',
}));

// node:http costs start-up time and memory: only src/http loads it, and only the init's --http
// path loads src/http, by a dynamic import (src/init/probes.ts).
const HTTP = ['http', 'node:http', 'https', 'node:https', 'http2', 'node:http2'].map((name) => ({
  name,
  message: 'Only src/http loads node:http (loaded only with --http, through a dynamic import).',
}));

// ARCHITECTURE.md's table, bottom to top: each src/ folder and its "may import" column. A folder
// may also import what those may import, so every layer may use the binding (src/native). native/
// (the C addon) is not here: only src/native's loader reaches it, by path, never by an import.
// Folders that do not exist yet are listed, so new code is checked from its first line. http's
// column, "the status model below it", is read as the engine and what the engine may import.
const LAYERS = [
  ['native', []],
  ['log', ['native']],
  ['process', ['native', 'log']],
  ['protocol', ['process', 'log']],
  ['service', ['process', 'log']],
  ['supervise', ['service', 'protocol', 'process', 'log']],
  ['ready', ['supervise']],
  ['scan', ['service', 'log']],
  ['engine', ['scan', 'ready', 'supervise']],
  ['command', ['process', 'log']],
  ['lifecycle', ['service', 'process', 'log']],
  ['shutdown', ['engine', 'command', 'lifecycle', 'process', 'log']],
  ['http', ['engine']],
  ['init', ['native', 'log', 'process', 'protocol', 'service', 'supervise', 'ready', 'scan', 'engine',
    'command', 'lifecycle', 'shutdown', 'http']],
  ['cli', ['protocol', 'service', 'process', 'log']],
  ['bin', ['init', 'cli']],
];
const FOLDERS = LAYERS.map(([folder]) => folder);

const MAY_IMPORT = new Map();
for (const [folder, direct] of LAYERS) {
  MAY_IMPORT.set(folder, new Set(direct.flatMap((d) => [d, ...MAY_IMPORT.get(d)])));
}

// One config per folder. A later no-restricted-imports for the same file replaces the earlier
// one's options, so each carries the child_process paths too. The pattern sees the import as
// written: from src/supervise/x.ts, '../init/report.js' ('../../init/' from one folder deeper).
// Proof that it bites: `import type { Engine } from '../init/init.js';` added to
// src/supervise/service.ts made `npm run lint` fail with "src/supervise may import only ...".
function layerConfig(folder) {
  const allowed = MAY_IMPORT.get(folder);
  const banned = FOLDERS.filter((f) => f !== folder && !allowed.has(f));
  const may = allowed.size === 0 ? 'no other src/ folder' : `only ${FOLDERS.filter((f) => allowed.has(f)).join(', ')}`;
  const patterns = banned.length === 0 ? [] : [{
    regex: `^(\\.\\./)+(${banned.join('|')})(/|$)`,
    message: `src/${folder} may import ${may} (the layers of ../shared/ARCHITECTURE.md).`,
  }];
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { paths: folder === 'http' ? CHILD_PROCESS : [...CHILD_PROCESS, ...HTTP], patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'bench/tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: CHILD_PROCESS }] },
  },
  ...LAYERS.map(([folder]) => layerConfig(folder)),
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.js'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['scripts/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
