// Every module of src/ loads as the first import of a fresh Node process. The core's modules
// import one another (the loop runs tasks, tasks need the loop), and a class can only extend a
// class whose module has run: an import cycle entered at the wrong module failed at load time
// ("Cannot access 'LoopServices' before initialization"), as `tulip/testing` did as a program's
// first import before 0.3.12. The test runner's own module loader does not show this, so the
// sources are transpiled as `tsc` would emit them and each module is loaded by Node itself.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield p;
  }
}

/** Transpiles src/ into a temporary folder; the relative paths of the modules. */
function transpile(out: string): string[] {
  const mods: string[] = [];
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, useDefineForClassFields: true },
      fileName: file,
    });
    mkdirSync(dirname(join(out, rel)), { recursive: true });
    writeFileSync(join(out, rel), outputText);
    mods.push(rel);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  return mods;
}

/** Loads `file` as the first import of a new Node process: the error it failed with, or null. */
function loadFirst(file: string): Promise<string | null> {
  return new Promise((resolve) => {
    const code = `import(${JSON.stringify(pathToFileURL(file).href)}).then(() => process.exit(0), (e) => { console.error(String(e)); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (status) => resolve(status === 0 ? null : err.trim().split('\n')[0] || `exit ${status}`));
  });
}

const out = mkdtempSync(join(tmpdir(), 'tulip-imports-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('module load order', () => {
  it('every module of src/ loads as the first import of a fresh process', async () => {
    const mods = transpile(out);
    expect(mods.length).toBeGreaterThan(50);
    const failed: string[] = [];
    // Four processes at a time: each is Node's start-up and one module graph.
    for (let i = 0; i < mods.length; i += 4) {
      const batch = mods.slice(i, i + 4);
      const errors = await Promise.all(batch.map((m) => loadFirst(join(out, m))));
      errors.forEach((e, j) => e !== null && failed.push(`${batch[j]}: ${e}`));
    }
    expect(failed).toEqual([]);
  }, 120_000);
});
