// The package's entry points (package.json `exports`), each loaded as the very first import of a
// fresh Node process, through Node's own ESM loader. Before 0.3.12, `tulip/testing` loaded first
// failed with a `ReferenceError` (a class used before its module ran: see test/imports.test.ts),
// which the test runner's own module graph does not show, so each entry gets a process here.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> };

/** The source file behind an export's built file: ./dist/testing/index.js → src/testing/index.ts. */
function sourceOf(built: string): string {
  return join(ROOT, built.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
}

/** Runs `code` as an ES module in a fresh process (TypeScript through tsx); stdout, stderr, status. */
function runModule(code: string): { out: string; err: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

describe('package entry points', () => {
  it('lists the main module and tulip/testing, each under the default condition', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './testing']);
    // `default`, not `import`: `require()` of an ES module (Node 20.19+, 22.12+) finds it too.
    for (const target of Object.values(pkg.exports)) expect(target.default).toMatch(/^\.\/dist\/.*\.js$/);
  });

  for (const [name, target] of Object.entries(pkg.exports)) {
    it(`${name} loads as a program's first import`, () => {
      const url = new URL(`file://${sourceOf(target.default)}`).href;
      const r = runModule(`const m = await import(${JSON.stringify(url)}); console.log(Object.keys(m).length);`);
      expect(r.err).not.toMatch(/Error/);
      expect(r.status).toBe(0);
      expect(Number(r.out.trim())).toBeGreaterThan(0);
    });
  }

  it('tulip/testing imported before tulip runs a loop on virtual time', () => {
    const testing = JSON.stringify(new URL(`file://${sourceOf(pkg.exports['./testing']!.default)}`).href);
    const main = JSON.stringify(new URL(`file://${sourceOf(pkg.exports['.']!.default)}`).href);
    const r = runModule(
      [
        `const { MockClock } = await import(${testing});`,
        `const { run, sleep } = await import(${main});`,
        'const clock = new MockClock({ autojumpThreshold: 0 });',
        'const t = await run(function* () { yield* sleep(60_000); return clock.now(); }, { clock });',
        'console.log(t);',
      ].join('\n'),
    );
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(Number(r.out.trim())).toBeGreaterThanOrEqual(60_000);
  });
});
