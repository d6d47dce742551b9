import { propertyOf } from './arm-values.js';
import { isRecord, type Json } from './json.js';

/**
 * The parameters an ARM template declares, with what `--parameters NAME=VALUE` needs to read a value as
 * `az deployment group create` does: the declared type (a languageVersion 2.0 `$ref` followed to its
 * definition), and whether null is a value.
 */

export interface DeclaredParameter {
  /** The declared name, as the template spells it. */
  name: string;
  /** Lower case: string, securestring, int, bool, array, object, secureobject; '' when not declared. */
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

/** A `$ref` such as `#/definitions/securityRuleType`, followed in the template's `definitions`. */
function referencedType(template: Json, ref: unknown): string {
  const match = typeof ref === 'string' ? /^#\/definitions\/(.+)$/.exec(ref) : null;
  const definition = match && isRecord(template.definitions) ? propertyOf(template.definitions, match[1]!).value : undefined;
  if (!isRecord(definition)) return '';
  return typeof definition.type === 'string' ? definition.type.toLowerCase() : referencedType(template, definition.$ref);
}

/** The template's parameters by lower-case name; empty for a template that declares none. */
export function declaredParameters(template: Json): Map<string, DeclaredParameter> {
  const declared = new Map<string, DeclaredParameter>();
  for (const [name, spec] of Object.entries(isRecord(template.parameters) ? template.parameters : {})) {
    const definition = isRecord(spec) ? spec : {};
    const type = typeof definition.type === 'string' ? definition.type.toLowerCase() : referencedType(template, definition.$ref);
    declared.set(name.toLowerCase(), { name, type, nullable: definition.nullable === true, hasDefault: 'defaultValue' in definition });
  }
  return declared;
}
