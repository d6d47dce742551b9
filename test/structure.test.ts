import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/processes.js';

/** Small files with one job, short functions: kept so by a test, not by memory. */
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const files = sources(join(ROOT, 'src'));

describe('the shape of src/', () => {
  it(`no file over ${MAX_FILE_LINES} lines`, () => {
    const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const long = files.map((file) => [relative(ROOT, file), lineCount(readFileSync(file, 'utf8'))] as const).filter(([, lines]) => lines > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long: string[] = [];
    for (const file of files) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
          if (lines > MAX_FUNCTION_LINES) long.push(`${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} (${lines} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });

  it('no module-level mutable state in src/analysis or src/metrics: no top-level let or var, no top-level collection that is written to', () => {
    const stateful: string[] = [];
    const mutators = new Set(['set', 'add', 'delete', 'clear', 'push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse']);
    for (const file of files.filter((path) => /src[\\/](analysis|metrics)[\\/]/.test(path))) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const where = (node: ts.Node) => `${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
      const topLevel = new Set<string>();
      for (const statement of source.statements) {
        if (!ts.isVariableStatement(statement)) continue;
        const flags = statement.declarationList.flags;
        for (const declaration of statement.declarationList.declarations) {
          if (!(flags & ts.NodeFlags.Const)) stateful.push(`${where(declaration)} (${declaration.name.getText()} is a top-level let or var)`);
          else if (ts.isIdentifier(declaration.name)) topLevel.add(declaration.name.text);
        }
      }
      const visit = (node: ts.Node): void => {
        // NAME.set(...), NAME.push(...), NAME[...] = ..., NAME.x = ... on a top-level const.
        if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression)) {
          if (topLevel.has(node.expression.expression.text) && mutators.has(node.expression.name.text)) stateful.push(`${where(node)} (${node.getText().slice(0, 60)})`);
        }
        if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
          const target = node.left;
          const base = ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target) ? target.expression : undefined;
          if (base && ts.isIdentifier(base) && topLevel.has(base.text)) stateful.push(`${where(node)} (${node.getText().slice(0, 60)})`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(stateful).toEqual([]);
  });
});
