// The library's source as the TypeScript compiler sees it, for the tests that check rules on the
// source itself (docs.test.ts, shapes.test.ts).
import { join } from 'node:path';
import ts from 'typescript';

/** The project's root directory. */
export const ROOT = join(import.meta.dirname, '..');
/** The package's entry points: `tulip` and `tulip/testing`. */
export const ENTRIES = [join(ROOT, 'src/index.ts'), join(ROOT, 'src/testing/index.ts')];

/** A program over every source file the entry points reach, type-checked as the build does. */
export function sourceProgram(): ts.Program {
  return ts.createProgram(ENTRIES, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
}
