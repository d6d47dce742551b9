import { isUserError } from '../errors.js';

/** A user error prints its message alone; anything else is a bug and prints its stack. */
export function reportFatal(err: unknown): void {
  if (isUserError(err)) process.stderr.write(`apim-netwatch: ${err.message}\n`);
  else process.stderr.write(`apim-netwatch: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
}
