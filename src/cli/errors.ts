import { isUserError } from '../errors.js';

/** Stack traces are for whoever debugs: `--debug` or `APIM_NETWATCH_LOG_LEVEL=debug`. */
export function debugging(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.argv.includes('--debug') || ['debug', 'trace'].includes((env.APIM_NETWATCH_LOG_LEVEL ?? '').toLowerCase());
}

/**
 * A user error prints its code and message (what was wrong, how to fix it); anything else is a bug, said as
 * such in one line, with the stack only when debugging.
 */
export function reportFatal(err: unknown): void {
  if (isUserError(err)) {
    process.stderr.write(`apim-netwatch: ${err.message} [${err.code}]\n`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    debugging()
      ? `apim-netwatch: internal error: ${(err as Error)?.stack ?? message}\n`
      : `apim-netwatch: internal error: ${message.split('\n', 1)[0]} [NETWATCH_INTERNAL] (a bug: run again with --debug for the stack trace and report it)\n`,
  );
}
