import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenError, SERVE_LISTEN_SETTINGS, SIMULATE_LISTEN_SETTINGS } from '../src/cli/listen-error.js';
import { ERROR_CODES, isUserError } from '../src/errors.js';
import { runCli } from './helpers/processes.js';

function failure(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
}

describe('listenError: a socket that cannot listen, said as the user can fix it', () => {
  it('a busy port names the setting of the command that failed', () => {
    const serve = listenError(failure('EADDRINUSE', 'listen'), '127.0.0.1', 9464, SERVE_LISTEN_SETTINGS);
    const simulate = listenError(failure('EADDRINUSE', 'listen'), '127.0.0.1', 8443, SIMULATE_LISTEN_SETTINGS);
    expect(isUserError(serve) && serve.code).toBe(ERROR_CODES.SERVER_LISTEN);
    expect((serve as Error).message).toMatch(/127\.0\.0\.1:9464: the port is already in use; .*--port or server\.port$/);
    expect((simulate as Error).message).toMatch(/127\.0\.0\.1:8443: the port is already in use; .*--port \(0 picks a free one\)$/);
  });

  it('an unknown host names the host setting', () => {
    const err = listenError(failure('ENOTFOUND', 'getaddrinfo'), 'no-such-host.invalid', 0, SIMULATE_LISTEN_SETTINGS);
    expect((err as Error).message).toMatch(/no such address on this machine; fix --host/);
  });

  it('an EACCES that is not about the socket (a certificate file) is left alone', () => {
    const original = failure('EACCES', 'open');
    expect(listenError(original, '127.0.0.1', 0, SIMULATE_LISTEN_SETTINGS)).toBe(original);
  });
});

describe('simulate on a busy port', () => {
  it('one line with NETWATCH_SERVER_LISTEN and exit 2, not an internal error', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['simulate', '--demo', '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use.*\\[NETWATCH_SERVER_LISTEN\\]`));
      expect(result.stderr).not.toMatch(/NETWATCH_INTERNAL/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);
});
