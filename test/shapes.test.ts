// A rule of the hot classes, checked on the source with the TypeScript compiler: `Future`, every
// class derived from it (tasks, park futures, sleep futures …) and `ThenAwaiter` (one per `await`
// of a pending future) declare their fields and assign them in a constructor.
//
// Why: a class's field initializers and parameter properties compile to class fields, which run as
// a constructor step of their own and define each field before the constructor stores it again.
// On a subclass that step goes through V8's generic construct stub. When `Task`'s two base classes
// had initializers, they cost 7% of the instructions per task of spawn-and-join
// (`npx tsx bench/instructions.ts a-gen`).
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, sourceProgram } from './sourceprogram.js';
/** Classes outside Future's family that are made as often as a task. */
const ALSO = new Set(['ThenAwaiter']);

function isStatic(node: ts.Node): boolean {
  return (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Static) !== 0;
}

function isDeclareField(node: ts.PropertyDeclaration): boolean {
  return node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) ?? false;
}

/** The names of `cls` and of every class it extends (from the type checker). */
function lineage(cls: ts.ClassDeclaration & { name: ts.Identifier }, checker: ts.TypeChecker): string[] {
  const names: string[] = [];
  let type: ts.Type | undefined = checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(cls.name)!);
  while (type !== undefined && type.isClassOrInterface()) {
    names.push(type.symbol.getName());
    const base: ts.Type | undefined = checker.getBaseTypes(type)[0];
    // A generic base (`extends ParkFuture<T>`) is a reference to the class's own type.
    type = base !== undefined && (base as ts.TypeReference).target !== undefined ? (base as ts.TypeReference).target : base;
  }
  return names;
}

/** Every field of a hot class that is not declared and assigned in a constructor, as `file: Class.field`. */
function definedFields(): string[] {
  const program = sourceProgram();
  const checker = program.getTypeChecker();
  const found: string[] = [];
  let hot = 0;
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(join(ROOT, 'src'))) continue;
    const where = relative(ROOT, file.fileName);
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node) && node.name !== undefined) {
        const name = node.name.text;
        if (ALSO.has(name) || lineage(node as ts.ClassDeclaration & { name: ts.Identifier }, checker).includes('Future')) {
          hot++;
          for (const m of node.members) {
            if (ts.isPropertyDeclaration(m) && !isStatic(m) && !isDeclareField(m)) found.push(`${where}: ${name}.${m.name.getText()}`);
            if (ts.isConstructorDeclaration(m)) {
              for (const p of m.parameters) {
                if (ts.isParameterPropertyDeclaration(p, m)) found.push(`${where}: ${name}.${p.name.getText()} (a parameter property)`);
              }
            }
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  // The search itself works: it found the family (Future, Task and its bases, the park futures …).
  expect(hot).toBeGreaterThan(20);
  return found;
}

describe('hot classes', () => {
  it('declare every field of Future, its subclasses and ThenAwaiter and assign it in a constructor', () => {
    expect(definedFields()).toEqual([]);
  });
});
