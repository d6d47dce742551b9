import { copyCount, resolveValue, type ResolvingScope } from './arm-resolve.js';
import { CannotEvaluate, propertyOf, UnknownValue } from './arm-values.js';
import { isRecord, type Json } from './json.js';
import type { GivenParameter } from './types.js';

/**
 * What one template's expressions can read: its parameters (a value given for the deployment, else the
 * `defaultValue`), its variables (evaluated when first read, `copy` variables included) and the copy
 * loops being expanded. Names are case-insensitive, as in ARM.
 */

/** A value given for a parameter (types.ts): by `--parameters` or by the deployment that nests the template. */
export type { GivenParameter };

/** Where a template's parameter values come from, for messages that say how to give a missing one. */
export interface ParameterSource {
  given: ReadonlyMap<string, GivenParameter>;
  /** How a value is given, ending the sentence "no defaultValue, and ...", e.g. `none was given (--parameters NAME=VALUE)`. */
  howToGive: string;
}

interface Shared {
  template: Json;
  source: ParameterSource;
  parameters: Map<string, unknown>;
  variables: Map<string, unknown>;
  evaluating: Set<string>;
  /** Parameters read that have no value: named once in a note. */
  missing: Set<string>;
  /** Given values of null that fell back to the default, and other things worth a note. */
  notes: string[];
}

interface Copy {
  loop: string;
  /** Undefined when the loop's count cannot be evaluated; `unknown` says why. */
  index: number | undefined;
  resourceLevel: boolean;
  unknown?: string;
}

/** Looks a name up case-insensitively in a template section (parameters, variables). */
function declared(section: unknown, name: string): { found: boolean; value: unknown } {
  return isRecord(section) ? propertyOf(section, name) : { found: false, value: undefined };
}

function given(map: ReadonlyMap<string, GivenParameter>, name: string): GivenParameter | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of map) if (key.toLowerCase() === lower) return value;
  return undefined;
}

export class TemplateScope implements ResolvingScope {
  private constructor(
    private readonly shared: Shared,
    private readonly copies: readonly Copy[],
  ) {}

  static of(template: Json, source: ParameterSource): TemplateScope {
    const shared: Shared = { template, source, parameters: new Map(), variables: new Map(), evaluating: new Set(), missing: new Set(), notes: [] };
    return new TemplateScope(shared, []);
  }

  get missingParameters(): string[] {
    return [...this.shared.missing];
  }

  get notes(): string[] {
    return this.shared.notes;
  }

  withCopy(loop: string, index: number | undefined, resourceLevel = false, unknown?: string): TemplateScope {
    return new TemplateScope(this.shared, [...this.copies, { loop, index, resourceLevel, ...(unknown === undefined ? {} : { unknown }) }]);
  }

  /** An enclosing copy loop that cannot be expanded, when there is one: what is inside it exists an unknown number of times. */
  get unknownLoop(): { loop: string; expression: string; reason: string } | undefined {
    const copy = [...this.copies].reverse().find((candidate) => candidate.index === undefined);
    return copy && { loop: copy.loop, expression: `[copyIndex('${copy.loop}')]`, reason: copy.unknown ?? `the copy loop "${copy.loop}" cannot be expanded` };
  }

  copyIndex(loop: string | undefined): number {
    const copy =
      loop === undefined
        ? ([...this.copies].reverse().find((candidate) => candidate.resourceLevel) ?? (this.copies.length === 1 ? this.copies[0] : undefined))
        : [...this.copies].reverse().find((candidate) => candidate.loop.toLowerCase() === loop.toLowerCase());
    const call = loop === undefined ? 'copyIndex()' : `copyIndex('${loop}')`;
    if (!copy) throw new CannotEvaluate(`${call} is outside ${loop === undefined ? 'a resource copy loop' : `the copy loop "${loop}"`}`);
    if (copy.index === undefined) throw new CannotEvaluate(`${call} is unknown: ${copy.unknown ?? `the copy loop "${copy.loop}" cannot be expanded`}`);
    return copy.index;
  }

  parameter(name: string): unknown {
    const key = name.toLowerCase();
    if (!this.shared.parameters.has(key)) this.shared.parameters.set(key, this.once(`parameter:${key}`, () => this.parameterValue(name)));
    const value = this.shared.parameters.get(key);
    if (value instanceof UnknownValue) throw new CannotEvaluate(value.reason);
    return value;
  }

  variable(name: string): unknown {
    const key = name.toLowerCase();
    if (!this.shared.variables.has(key)) this.shared.variables.set(key, this.once(`variable:${key}`, () => this.variableValue(name)));
    const value = this.shared.variables.get(key);
    if (value instanceof UnknownValue) throw new CannotEvaluate(`variables('${name}'): ${value.reason}`);
    return value;
  }

  /** Evaluates a parameter or variable once; one that depends on itself is a template error, said as such. */
  private once(key: string, compute: () => unknown): unknown {
    if (this.shared.evaluating.has(key)) return new UnknownValue(`[${key}]`, `${key.replace(':', ' "')}" depends on itself`);
    this.shared.evaluating.add(key);
    try {
      return compute();
    } catch (err) {
      if (err instanceof CannotEvaluate) return new UnknownValue(`[${key}]`, err.message);
      throw err;
    } finally {
      this.shared.evaluating.delete(key);
    }
  }

  private parameterValue(name: string): unknown {
    const definition = declared(this.shared.template.parameters, name);
    if (!definition.found) throw new CannotEvaluate(`the template declares no parameter "${name}"`);
    const spec = isRecord(definition.value) ? definition.value : {};
    const value = given(this.shared.source.given, name);
    // Parameters are evaluated outside any copy loop: their defaults cannot use copyIndex.
    const root = new TemplateScope(this.shared, []);
    if (value && 'unresolved' in value) return new UnknownValue(`[parameters('${name}')]`, `parameter "${name}" (${value.source}) ${value.unresolved}`);
    if (value && 'evaluate' in value) {
      const passed = value.evaluate();
      return passed instanceof UnknownValue ? new UnknownValue(passed.expression, `parameter "${name}" (${value.source}): ${passed.reason}`) : passed;
    }
    if (value && (value.value !== null || spec.nullable === true)) return value.value;
    if (value) this.shared.notes.push(`parameter "${name}" is null (${value.source}); its defaultValue is used, as a null value counts as none for a parameter that is not nullable`);
    if ('defaultValue' in spec) {
      const fallback = resolveValue(spec.defaultValue, root);
      return fallback instanceof UnknownValue ? new UnknownValue(fallback.expression, `parameter "${name}": its defaultValue ${fallback.reason}`) : fallback;
    }
    this.shared.missing.add(name);
    return new UnknownValue(`[parameters('${name}')]`, `parameter "${name}" has no value (no defaultValue, and ${this.shared.source.howToGive})`);
  }

  private variableValue(name: string): unknown {
    const variables = this.shared.template.variables;
    const root = new TemplateScope(this.shared, []);
    const loops = isRecord(variables) && Array.isArray(variables.copy) ? variables.copy : [];
    const loop = loops.find((candidate): candidate is Json => isRecord(candidate) && typeof candidate.name === 'string' && candidate.name.toLowerCase() === name.toLowerCase());
    if (loop) {
      const count = copyCount(loop.count, name, root);
      if (count instanceof UnknownValue) return count;
      return Array.from({ length: count }, (_, index) => resolveValue(loop.input, root.withCopy(name, index)));
    }
    const definition = declared(variables, name);
    if (!definition.found || name.toLowerCase() === 'copy') throw new CannotEvaluate(`the template declares no variable "${name}"`);
    return resolveValue(definition.value, root);
  }
}
