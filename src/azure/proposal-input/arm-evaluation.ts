import type { ExpressionNode } from './arm-expression-parser.js';

/**
 * The contracts between the evaluator (arm-expression.ts) and the template functions it calls
 * (arm-functions.ts), kept apart so that neither imports the other's module.
 */

/** What an expression may read from its template: the scope answers or throws CannotEvaluate. */
export interface ExpressionScope {
  parameter(name: string): unknown;
  variable(name: string): unknown;
  /** `copyIndex()` (the resource's own loop) or `copyIndex('loop')`. */
  copyIndex(loop: string | undefined): number;
}

/** What a template function needs of the evaluator calling it. */
export interface ArgumentEvaluator {
  readonly scope: ExpressionScope;
  /** A node's value; may be (or hold) an UnknownValue. */
  value(node: ExpressionNode): unknown;
  /** A node's value, which must be known. */
  known(node: ExpressionNode): unknown;
  lambdaVariable(name: string): unknown;
  withLambdaVariables(values: ReadonlyMap<string, unknown>): ArgumentEvaluator;
}
