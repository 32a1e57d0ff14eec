import { Tree } from '@angular-devkit/schematics';
import * as ts from '@schematics/angular/third_party/github.com/Microsoft/TypeScript/lib/typescript';
import { insertImport } from '@schematics/angular/utility/ast-utils';
import { Change, InsertChange, applyToUpdateRecorder } from '@schematics/angular/utility/change';

/** `path` parsed with the TypeScript that ships with the Angular CLI's schematics. */
export function parse(tree: Tree, path: string): ts.SourceFile {
  return ts.createSourceFile(path, tree.readText(path), ts.ScriptTarget.Latest, true);
}

/** Every call of the function named `name` in `node`, e.g. `provideHttpClient(…)`. */
export function callsOf(node: ts.Node, name: string): ts.CallExpression[] {
  const found: ts.CallExpression[] = [];
  const visit = (child: ts.Node) => {
    if (ts.isCallExpression(child) && ts.isIdentifier(child.expression) && child.expression.text === name) {
      found.push(child);
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

/** Whether `node` uses the identifier `name` anywhere outside import declarations. */
export function usesIdentifier(node: ts.Node, name: string): boolean {
  if (ts.isImportDeclaration(node)) {
    return false;
  }
  if (ts.isIdentifier(node) && node.text === name) {
    return true;
  }
  return ts.forEachChild(node, (child) => usesIdentifier(child, name) || undefined) ?? false;
}

/** The string value of property `name` of an object literal, or `undefined` when it has none. */
export function stringProperty(object: ts.ObjectLiteralExpression, name: string): string | undefined {
  const initializer = property(object, name)?.initializer;
  return initializer && ts.isStringLiteralLike(initializer) ? initializer.text : undefined;
}

/** Property `name` of an object literal, when it is a plain `name: value` assignment. */
export function property(object: ts.ObjectLiteralExpression, name: string): ts.PropertyAssignment | undefined {
  return object.properties.find(
    (candidate): candidate is ts.PropertyAssignment =>
      ts.isPropertyAssignment(candidate) && ts.isIdentifier(candidate.name) && candidate.name.text === name,
  );
}

/** Collects text insertions and imports for one file, all against the same parse, and applies them in one go. */
export class FileEdit {
  private readonly changes: Change[] = [];
  private readonly imports = new Map<string, Set<string>>();

  constructor(
    readonly path: string,
    readonly source: ts.SourceFile,
  ) {}

  insert(position: number, text: string): void {
    this.changes.push(new InsertChange(this.path, position, text));
  }

  /** Adds `import { symbol } from 'module'` unless the file imports it already; one declaration per module. */
  importSymbol(symbol: string, module: string): void {
    const imported = this.source.statements.some(
      (statement) =>
        ts.isImportDeclaration(statement) &&
        ts.isStringLiteral(statement.moduleSpecifier) &&
        statement.moduleSpecifier.text === module &&
        statement.importClause?.namedBindings !== undefined &&
        ts.isNamedImports(statement.importClause.namedBindings) &&
        statement.importClause.namedBindings.elements.some((element) => element.name.text === symbol),
    );
    if (!imported) {
      this.imports.set(module, (this.imports.get(module) ?? new Set<string>()).add(symbol));
    }
  }

  get changed(): boolean {
    return this.changes.length > 0;
  }

  apply(tree: Tree): void {
    if (!this.changed) {
      return;
    }
    const imports = [...this.imports].map(([module, symbols]) => insertImport(this.source, this.path, [...symbols].join(', '), module));
    const recorder = tree.beginUpdate(this.path);
    applyToUpdateRecorder(recorder, [...imports, ...this.changes]);
    tree.commitUpdate(recorder);
  }
}
