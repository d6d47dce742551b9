import { InvalidArgumentError } from 'commander';

/**
 * A commander parser that takes one of `accepted` in any letter case (ARM writes `Premium`, people type
 * `premium`) and returns it spelled as accepted; anything else is a usage error listing the accepted values.
 */
export function oneOf(accepted: readonly string[]): (value: string) => string {
  return (value) => {
    const match = accepted.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase());
    if (match === undefined) throw new InvalidArgumentError(`Allowed choices are ${accepted.join(', ')}.`);
    return match;
  };
}

/** Commander's error line ("error: option '--sku <name>' argument 'Foo' is invalid. ...") as this CLI writes errors: one line, with its code. */
export function usageLine(commanderMessage: string, code: string): string {
  return `apim-netwatch: ${commanderMessage.trim().replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ')} [${code}]\n`;
}
