/**
 * The ARM template expression language, parsed: `[concat(parameters('prefix'), '-nsg')]` becomes a tree of
 * function calls, string and integer literals, property access (`.name`) and indexing (`[0]`). What it
 * cannot parse is a syntax error, reported with where it went wrong; evaluation is arm-expression.ts's job.
 */

export type ExpressionNode =
  | { kind: 'string'; value: string }
  | { kind: 'integer'; value: number }
  | { kind: 'call'; name: string; args: ExpressionNode[] }
  | { kind: 'property'; target: ExpressionNode; name: string }
  | { kind: 'index'; target: ExpressionNode; index: ExpressionNode };

export class ExpressionSyntaxError extends Error {
  override name = 'ExpressionSyntaxError';
}

/** A JSON string's literal value: `[[x]` is the text `[x]`. Only meaningful when it is not an expression (isTemplateExpression). */
export function literalString(text: string): string {
  return text.startsWith('[[') ? text.slice(1) : text;
}

/** Parses the expression inside a JSON string's brackets (`concat('a', 'b')` of `[concat('a', 'b')]`). */
export function parseExpression(source: string): ExpressionNode {
  const parser = new Parser(source);
  const node = parser.expression();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('unexpected text after the expression');
  return node;
}

class Parser {
  private at = 0;

  constructor(private readonly source: string) {}

  atEnd(): boolean {
    return this.at >= this.source.length;
  }

  fail(what: string): never {
    throw new ExpressionSyntaxError(`${what} at character ${this.at + 1}`);
  }

  skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.source[this.at]!)) this.at++;
  }

  private peek(): string {
    this.skipSpace();
    return this.source[this.at] ?? '';
  }

  private expect(char: string): void {
    if (this.peek() !== char) this.fail(`expected "${char}"`);
    this.at++;
  }

  /** A primary value followed by any number of `.property` and `[index]`. */
  expression(): ExpressionNode {
    let node = this.primary();
    for (;;) {
      const next = this.peek();
      if (next === '.') {
        this.at++;
        node = { kind: 'property', target: node, name: this.identifier() };
      } else if (next === '[') {
        this.at++;
        const index = this.expression();
        this.expect(']');
        node = { kind: 'index', target: node, index };
      } else {
        return node;
      }
    }
  }

  private primary(): ExpressionNode {
    const next = this.peek();
    if (next === "'") return this.string();
    if (/[-\d]/.test(next)) return this.integer();
    if (/[A-Za-z_]/.test(next)) return this.call();
    return this.fail(next === '' ? 'the expression ends too early' : `unexpected "${next}"`);
  }

  /** `'text'`, where `''` is a quote. */
  private string(): ExpressionNode {
    this.at++;
    let value = '';
    for (;;) {
      if (this.atEnd()) this.fail('a string is not closed');
      const char = this.source[this.at++]!;
      if (char !== "'") value += char;
      else if (this.source[this.at] === "'") {
        value += "'";
        this.at++;
      } else {
        return { kind: 'string', value };
      }
    }
  }

  private integer(): ExpressionNode {
    const match = /^-?\d+/.exec(this.source.slice(this.at));
    if (!match) this.fail('expected a number');
    this.at += match[0].length;
    return { kind: 'integer', value: Number(match[0]) };
  }

  private identifier(): string {
    this.skipSpace();
    const match = /^[A-Za-z_][\w$]*/.exec(this.source.slice(this.at));
    if (!match) this.fail('expected a name');
    this.at += match[0].length;
    return match[0];
  }

  /** `name(args)`, or a user-defined function `namespace.name(args)`. */
  private call(): ExpressionNode {
    let name = this.identifier();
    if (this.peek() === '.') {
      this.at++;
      name = `${name}.${this.identifier()}`;
    }
    this.expect('(');
    const args: ExpressionNode[] = [];
    if (this.peek() !== ')') {
      args.push(this.expression());
      while (this.peek() === ',') {
        this.at++;
        args.push(this.expression());
      }
    }
    this.expect(')');
    return { kind: 'call', name, args };
  }
}
