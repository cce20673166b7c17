// Precompiles the benchmark cases and tulip's sources to plain JavaScript under bench/.build/,
// with TypeScript's own transpiler and the project's emit settings (target ES2022, ESM, native
// class fields), so the cases run the code a `tsc` build would ship. Running through tsx instead
// (`--tsx`) adds esbuild's `keepNames` helpers (an `Object.defineProperty` call each time a
// closure is created), which taxes closure-heavy code and is not what users run.

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SKIP = new Set(['node_modules', '.build', 'profiles']);

function* tsFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield p;
  }
}

/** Transpiles `root`/src and `root`/bench into `outDir` (same relative layout); returns outDir. */
export function buildAll(root: string, outDir: string): string {
  rmSync(outDir, { recursive: true, force: true });
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    useDefineForClassFields: true,
    sourceMap: false,
  };
  for (const sub of ['src', 'bench']) {
    for (const file of tsFiles(path.join(root, sub))) {
      const rel = path.relative(root, file);
      const out = path.join(outDir, rel.replace(/\.ts$/, '.js'));
      const r = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file, reportDiagnostics: true });
      const errs = (r.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (errs.length) {
        throw new Error(`${rel}: ${ts.flattenDiagnosticMessageText(errs[0]!.messageText, '\n')}`);
      }
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, r.outputText);
    }
  }
  writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module", "private": true }\n');
  return outDir;
}
