import { ERROR_CODES, UserError } from '../errors.js';

/** Where a command's port and host are set: what the one-line error tells the user to change. */
export interface ListenSettings {
  port: string;
  host: string;
}

export const SERVE_LISTEN_SETTINGS: ListenSettings = { port: '--port or server.port', host: 'server.host' };
export const SIMULATE_LISTEN_SETTINGS: ListenSettings = { port: '--port (0 picks a free one)', host: '--host' };

/** Only errors of binding the socket (or resolving its host): an EACCES on a certificate file is not one. */
const LISTEN_SYSCALLS = new Set(['listen', 'bind', 'getaddrinfo']);

/** Why a server could not listen, as a user can fix it; any other error is returned as it is. */
export function listenError(err: unknown, host: string, port: number, settings: ListenSettings): unknown {
  const { code, syscall } = (err ?? {}) as NodeJS.ErrnoException;
  if (!syscall || !LISTEN_SYSCALLS.has(syscall)) return err;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') return new UserError(ERROR_CODES.SERVER_LISTEN, `cannot listen on ${where}: the port is already in use; stop what uses it, or choose another with ${settings.port}`);
  if (code === 'EACCES') return new UserError(ERROR_CODES.SERVER_LISTEN, `cannot listen on ${where}: permission denied (ports below 1024 need privileges); choose a port above 1023 with ${settings.port}`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new UserError(ERROR_CODES.SERVER_LISTEN, `cannot listen on ${where}: no such address on this machine; fix ${settings.host} (0.0.0.0 listens everywhere)`);
  return err;
}
