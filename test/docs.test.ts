// The documentation rules, checked on the source with the TypeScript compiler: every public export
// has TSDoc with an `@example` and a "Cancellation:" paragraph (types: TSDoc), every public method
// and accessor of an exported class has TSDoc, and every folder's index.ts opens with a module doc.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ENTRIES, ROOT, sourceProgram } from './sourceprogram.js';

function tsdocOf(node: ts.Node): string {
  return ts
    .getJSDocCommentsAndTags(node)
    .map((d) => d.getText())
    .join('\n');
}

function isPublicMember(m: ts.ClassElement): boolean {
  if (!(ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m))) return false;
  if (ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  if (m.name === undefined || ts.isComputedPropertyName(m.name) || ts.isPrivateIdentifier(m.name)) return false;
  return !m.name.getText().startsWith('_');
}

/** What the public API's documentation lacks, one line per export or member. */
function undocumented(): string[] {
  const program = sourceProgram();
  const checker = program.getTypeChecker();
  const problems: string[] = [];
  for (const entry of ENTRIES) {
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const name = exported.getName();
      const sym = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decls = sym.getDeclarations() ?? [];
      const first = decls[0];
      if (first === undefined) {
        problems.push(`${name}: no declaration`);
        continue;
      }
      const where = relative(ROOT, first.getSourceFile().fileName);
      const isType = ts.isInterfaceDeclaration(first) || ts.isTypeAliasDeclaration(first);
      const doc = decls.map(tsdocOf).join('\n');
      if (doc === '') problems.push(`${name} (${where}): no TSDoc`);
      else if (!isType && !doc.includes('@example')) problems.push(`${name} (${where}): no @example`);
      else if (!isType && !doc.includes('Cancellation:')) problems.push(`${name} (${where}): no "Cancellation:" paragraph`);
      if (!ts.isClassDeclaration(first)) continue;
      const documented = new Set<string>();
      for (const m of first.members) if (isPublicMember(m) && tsdocOf(m) !== '') documented.add(m.name!.getText());
      for (const m of first.members) {
        // A setter shares its getter's TSDoc.
        if (isPublicMember(m) && !documented.has(m.name!.getText())) problems.push(`${name}.${m.name!.getText()} (${where}): no TSDoc`);
      }
    }
  }
  return problems;
}

function indexFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...indexFiles(path));
    else if (entry === 'index.ts') found.push(path);
  }
  return found;
}

describe('documentation of the public API', () => {
  it('every export has TSDoc with an @example and a Cancellation paragraph, and every public method has TSDoc', () => {
    expect(undocumented()).toEqual([]);
  }, 60_000);

  it("every folder's index.ts opens with a module doc", () => {
    const missing = indexFiles(join(ROOT, 'src')).filter((f) => !readFileSync(f, 'utf8').trimStart().startsWith('/**'));
    expect(missing.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
