import { callFunction } from './arm-functions.js';
import { isTemplateExpression } from '../../model/template-expression.js';
import { ExpressionSyntaxError, literalString, parseExpression, type ExpressionNode } from './arm-expression-parser.js';
import { CannotEvaluate, isObjectValue, kindOf, known, Lambda, propertyOf, UnknownValue } from './arm-values.js';
import { shown } from './messages.js';
import type { ArgumentEvaluator, ExpressionScope } from './arm-evaluation.js';

/**
 * Evaluates ARM template expressions over what a template's parameters and variables are known to hold.
 * What it cannot know (a parameter without a value, `resourceGroup()`, a function it does not implement) is
 * never guessed: the expression is unresolvable, with a reason that names it.
 */

export type { ExpressionScope };

export type Evaluated = { resolved: true; value: unknown } | { resolved: false; reason: string };

/** One evaluation: the scope, and the variables of the lambdas being called. */
export class Evaluator implements ArgumentEvaluator {
  constructor(
    readonly scope: ExpressionScope,
    private readonly lambdaVariables: ReadonlyMap<string, unknown> = new Map(),
  ) {}

  /** A node's value; may be (or hold) an UnknownValue, which only whoever uses it must refuse. */
  value(node: ExpressionNode): unknown {
    switch (node.kind) {
      case 'string':
      case 'integer':
        return node.value;
      case 'call':
        return callFunction(node.name, node.args, this);
      case 'property':
        return this.property(this.known(node.target), node.name);
      case 'index':
        return this.index(this.known(node.target), this.known(node.index));
    }
  }

  /** A node's value, which must be known. */
  known(node: ExpressionNode): unknown {
    return known(this.value(node));
  }

  lambdaVariable(name: string): unknown {
    if (!this.lambdaVariables.has(name)) throw new CannotEvaluate(`lambdaVariables('${name}') is outside a lambda that declares it`);
    return this.lambdaVariables.get(name);
  }

  withLambdaVariables(values: ReadonlyMap<string, unknown>): Evaluator {
    return new Evaluator(this.scope, new Map([...this.lambdaVariables, ...values]));
  }

  private property(target: unknown, name: string): unknown {
    if (!isObjectValue(target)) throw new CannotEvaluate(`property "${name}" is read from ${kindOf(target)}, which has none`);
    const { found, value } = propertyOf(target, name);
    if (!found) throw new CannotEvaluate(`the object has no property "${name}"`);
    return value;
  }

  private index(target: unknown, index: unknown): unknown {
    if (Array.isArray(target)) {
      if (typeof index !== 'number' || index < 0 || index >= target.length) throw new CannotEvaluate(`index ${kindOf(index)} is outside the array of ${target.length}`);
      return target[index];
    }
    if (isObjectValue(target) && typeof index === 'string') return this.property(target, index);
    throw new CannotEvaluate(`${kindOf(target)} cannot be indexed by ${kindOf(index)}`);
  }
}

/** How an expression is named in reasons: its text, shortened to stay readable on one line. */
export function expressionLabel(text: string): string {
  return `"${shown(text, 120)}"`;
}

/**
 * A template's JSON string: an expression is evaluated, a literal is itself (`[[` escapes a `[`). An
 * evaluated value that is unknown as a whole is unresolved too.
 */
export function evaluateString(text: string, scope: ExpressionScope): Evaluated {
  const trimmed = text.trim();
  if (!isTemplateExpression(trimmed)) return { resolved: true, value: literalString(text) };
  let node: ExpressionNode;
  try {
    node = parseExpression(trimmed.slice(1, -1));
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return { resolved: false, reason: `${expressionLabel(trimmed)} is not a valid ARM expression (${err.message})` };
    throw err;
  }
  try {
    const value = new Evaluator(scope).value(node);
    if (value instanceof UnknownValue) return { resolved: false, reason: `${expressionLabel(trimmed)} cannot be evaluated: ${value.reason}` };
    if (value instanceof Lambda) return { resolved: false, reason: `${expressionLabel(trimmed)} is a lambda, which is not a value` };
    return { resolved: true, value };
  } catch (err) {
    if (err instanceof CannotEvaluate) return { resolved: false, reason: `${expressionLabel(trimmed)} cannot be evaluated: ${err.message}` };
    throw err;
  }
}
