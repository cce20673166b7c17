// Type-checks test/contract/contract.ts: tulip's exports must be assignable to the contract's
// declarations in ../shared/contract/tulip.d.ts. Skipped (with a note) when ../shared is absent.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const contract = fileURLToPath(new URL('../../shared/contract/tulip.d.ts', import.meta.url));
if (!existsSync(contract)) {
  console.log(`contract check skipped: ${contract} not found`);
  process.exit(0);
}
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const r = spawnSync(process.execPath, [tsc, '-p', 'test/contract'], { cwd: root, stdio: 'inherit' });
if (r.status === 0) console.log('contract check: the exports are assignable to ../shared/contract/tulip.d.ts');
process.exit(r.status ?? 1);
