import { existsSync, readFileSync } from 'node:fs';
import type { DeclaredParameter, GivenParameter } from '../azure/proposal-input.js';
import { isRecord } from '../azure/normalise-json.js';
import { parseJsonWithComments } from './whatif-jsonc.js';
import { WhatifInputError } from './whatif-types.js';

/**
 * `--parameters`, as `az deployment group create --parameters` takes it: an ARM deployment parameters file
 * (`FILE` or `@FILE`), a JSON object of parameters, or `NAME=VALUE`; repeatable, later values win. A
 * `NAME=VALUE` is read by the parameter's declared type, as az does (JSON for arrays and objects). A name
 * the template does not declare is refused, as Azure refuses it (InvalidTemplate). Every mistake is one
 * line saying which argument was wrong and how to fix it.
 */

/** One value as the command line gives it, before it meets the template. */
type Assignment =
  | { name: string; source: string; value: unknown }
  | { name: string; source: string; text: string }
  | { name: string; source: string; unresolved: string };

const FORMS = 'NAME=VALUE, an ARM deployment parameters file (FILE or @FILE), or a JSON object of parameters';

function fail(argument: string, message: string): WhatifInputError {
  return new WhatifInputError(`--parameters ${argument}: ${message}`.replace(/\s*[\r\n]+\s*/g, ' '));
}

/** The `parameters` of a deployment parameters file (or the object itself, as az reads one without the envelope). */
function parametersObject(parsed: unknown, argument: string, source: string): Assignment[] {
  if (!isRecord(parsed)) throw fail(argument, `expected a JSON object of parameters, found ${Array.isArray(parsed) ? 'an array' : typeof parsed}; pass ${FORMS}`);
  if ('resources' in parsed) throw fail(argument, 'this is an ARM template, not a parameters file; pass it with --nsg');
  const entries = isRecord(parsed.parameters) ? parsed.parameters : parsed;
  return Object.entries(entries)
    .filter(([name]) => name !== '$schema' && name !== 'contentVersion')
    .map(([name, entry]): Assignment => {
      if (isRecord(entry) && 'value' in entry) return { name, source, value: entry.value };
      if (isRecord(entry) && 'reference' in entry) return { name, source, unresolved: 'is a Key Vault reference, which whatif does not read' };
      throw fail(argument, `parameter "${name}" has neither "value" nor "reference"; write it as "${name}": { "value": ... }`);
    });
}

function readParametersFile(path: string, argument: string): Assignment[] {
  if (/\.bicepparam$/i.test(path)) throw fail(argument, 'a .bicepparam file is Bicep; compile it with `az bicep build-params --file FILE --outfile params.json` and pass the JSON');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fail(argument, `cannot read the parameters file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass ${FORMS}`);
  }
  let parsed: unknown;
  try {
    parsed = parseJsonWithComments(text);
  } catch (err) {
    throw fail(argument, `the parameters file ${path} is not JSON (${(err as Error).message})`);
  }
  return parametersObject(parsed, argument, `parameters file ${path}`);
}

function readArgument(argument: string): Assignment[] {
  if (argument.startsWith('@')) return readParametersFile(argument.slice(1), argument);
  const pair = /^([^=\s/\\{]+)=(.*)$/s.exec(argument);
  if (pair) return [{ name: pair[1]!, source: `--parameters ${pair[1]}=...`, text: pair[2]! }];
  if (argument.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(argument) as unknown;
    } catch (err) {
      throw fail(argument, `is not JSON (${(err as Error).message}); pass ${FORMS}`);
    }
    return parametersObject(parsed, argument, '--parameters JSON');
  }
  if (existsSync(argument) || /\.(json|jsonc|bicepparam)$/i.test(argument)) return readParametersFile(argument, argument);
  throw fail(argument, `expected ${FORMS}; it has no "=" and no such file exists`);
}

const TYPE_WORDS: Record<string, string> = { int: 'a whole number', bool: 'true or false', array: 'a JSON array', object: 'a JSON object', secureobject: 'a JSON object', string: 'a string', securestring: 'a string' };

/** A NAME=VALUE's text as its declared type, as az reads it. */
function typedText(text: string, declared: DeclaredParameter, source: string): unknown {
  const wrong = () => new WhatifInputError(`${source.replace('...', text)}: parameter "${declared.name}" is declared ${declared.type}, so its value must be ${TYPE_WORDS[declared.type]}`);
  switch (declared.type) {
    case 'int':
      if (!/^-?\d+$/.test(text.trim())) throw wrong();
      return Number(text);
    case 'bool':
      if (!/^(true|false)$/i.test(text.trim())) throw wrong();
      return text.trim().toLowerCase() === 'true';
    case 'array':
    case 'object':
    case 'secureobject':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw wrong();
      }
    default:
      return text;
  }
}

/** Whether a value is of the declared type (null is left to the template: nullable, or its default). */
function ofType(value: unknown, type: string): boolean {
  if (value === null) return true;
  if (type === 'int') return Number.isInteger(value);
  if (type === 'bool') return typeof value === 'boolean';
  if (type === 'array') return Array.isArray(value);
  if (type === 'object' || type === 'secureobject') return isRecord(value);
  if (type === 'string' || type === 'securestring') return typeof value === 'string';
  return true;
}

/**
 * The template parameters `--parameters` gives, by their declared names. `declared` holds the parameters of
 * each template they go to (the NSG file's, and the route table file's when it is a template too).
 */
export function templateParameters(argumentsGiven: readonly string[], declared: ReadonlyArray<{ file: string; parameters: ReadonlyMap<string, DeclaredParameter> }>): Map<string, GivenParameter> {
  const given = new Map<string, GivenParameter>();
  for (const assignment of argumentsGiven.flatMap(readArgument)) {
    const spec = declared.map(({ parameters }) => parameters.get(assignment.name.toLowerCase())).find((found) => found !== undefined);
    if (!spec) {
      const names = [...new Set(declared.flatMap(({ parameters }) => [...parameters.values()].map((parameter) => parameter.name)))];
      const files = declared.map(({ file }) => file).join(' and ');
      throw new WhatifInputError(
        `${assignment.source}: the template ${files} declares no parameter "${assignment.name}" (${names.length === 0 ? 'it declares none' : `it declares ${names.join(', ')}`}); Azure refuses undeclared parameters too: fix the name or leave it out`,
      );
    }
    if ('text' in assignment) {
      given.set(spec.name, { value: typedText(assignment.text, spec, assignment.source), source: assignment.source.replace('=...', '') });
    } else if ('value' in assignment) {
      if (!ofType(assignment.value, spec.type)) throw new WhatifInputError(`${assignment.source}: parameter "${spec.name}" is declared ${spec.type}, so its value must be ${TYPE_WORDS[spec.type]}, not ${JSON.stringify(assignment.value).slice(0, 40)}`);
      given.set(spec.name, { value: assignment.value, source: assignment.source });
    } else {
      given.set(spec.name, { unresolved: assignment.unresolved, source: assignment.source });
    }
  }
  return given;
}
