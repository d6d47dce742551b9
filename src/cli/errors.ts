import { ConfigError } from '../config/load.js';
import { CredentialConfigError } from '../azure/credentials.js';
import { WorldFileError } from '../simulator/world.js';

/** Errors a user can fix: print the message alone, no stack trace. */
export function isUserError(err: unknown): err is Error {
  return err instanceof ConfigError || err instanceof CredentialConfigError || err instanceof WorldFileError;
}

export function reportFatal(err: unknown): void {
  if (isUserError(err)) process.stderr.write(`apim-netwatch: ${err.message}\n`);
  else process.stderr.write(`apim-netwatch: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
}
