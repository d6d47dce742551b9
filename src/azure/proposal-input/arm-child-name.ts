import { isTemplateExpression } from '../../model/template-expression.js';

/** The top-level arguments of an ARM function call's argument text, split at commas outside quotes and brackets. */
function splitArguments(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === "'") quoted = !quoted; // `''` inside a string toggles twice: still quoted
    else if (!quoted && (char === '(' || char === '[')) depth++;
    else if (!quoted && (char === ')' || char === ']')) depth--;
    else if (!quoted && depth === 0 && char === ',') {
      args.push(text.slice(start, index).trim());
      start = index + 1;
    }
  }
  args.push(text.slice(start).trim());
  return args;
}

/** An argument as a name: a string literal's text, else the expression in brackets, as a resource name would be written. */
function argumentName(arg: string): string {
  return /^'([^']|'')*'$/.test(arg) ? arg.slice(1, -1).replace(/''/g, "'") : `[${arg}]`;
}

/**
 * A child resource's name split into its parent's and its own: `nsg/rule`, and the forms Bicep and
 * hand-written templates use, `[format('{0}/{1}', parent, 'rule')]` and `[concat(parent, '/rule')]`.
 */
export function splitChildName(name: unknown): { parent: string; own: string } | undefined {
  if (typeof name !== 'string') return undefined;
  const text = name.trim();
  if (!isTemplateExpression(text)) {
    const slash = text.lastIndexOf('/');
    return slash > 0 ? { parent: text.slice(0, slash), own: text.slice(slash + 1) } : undefined;
  }
  const call = /^\[\s*(format|concat)\s*\((.*)\)\s*\]$/is.exec(text);
  if (!call) return undefined;
  const args = splitArguments(call[2]!);
  if (call[1]!.toLowerCase() === 'format' && args.length === 3 && /^'\{0\}\/\{1\}'$/.test(args[0]!)) {
    return { parent: argumentName(args[1]!), own: argumentName(args[2]!) };
  }
  if (call[1]!.toLowerCase() === 'concat') {
    if (args.length === 3 && args[1] === "'/'") return { parent: argumentName(args[0]!), own: argumentName(args[2]!) };
    if (args.length === 2 && /^'\/[^']*'$/.test(args[1]!)) return { parent: argumentName(args[0]!), own: args[1]!.slice(2, -1) };
    // `concat('nsg/', rule)`, as hand-written templates (and Microsoft's samples) name a rule of a fixed NSG.
    if (args.length === 2 && /^'[^'/]+\/'$/.test(args[0]!)) return { parent: args[0]!.slice(1, -2), own: argumentName(args[1]!) };
  }
  return undefined;
}
