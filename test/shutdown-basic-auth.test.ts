import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from './helpers/ports.js';
import { startCli, type LongRunning } from './helpers/processes.js';

/**
 * Issue 28, item 1: after one basic-auth login, the password-checking worker thread held the event loop,
 * and SIGTERM left the process alive after "stopped" (until the shutdown limit, 10 s by default).
 */
const EXIT_WITHIN_MS = 5_000;
const PASSWORD = 'correct horse battery staple';

describe('serve with basic-auth users: SIGTERM after a login', () => {
  let serve: LongRunning | undefined;
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
  });

  it('exits well within the shutdown limit, nothing left holding the process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-shutdown-basic-auth-'));
    const webConfig = join(dir, 'web.yaml');
    writeFileSync(webConfig, stringify({ basic_auth_users: { prometheus: bcrypt.hashSync(PASSWORD, 4) } }));
    const port = await freePort();
    serve = await startCli(['serve', '--demo', '--port', String(port), '--web.config.file', webConfig], /serving metrics/);

    const authorization = `Basic ${Buffer.from(`prometheus:${PASSWORD}`).toString('base64')}`;
    // A login that ran bcrypt on the worker (a cached one would not start it).
    const answer = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization } });
    expect(answer.status).toBe(200);
    await answer.arrayBuffer();

    const started = performance.now();
    expect(await serve.stop()).toBe(0);
    const exitedMs = performance.now() - started;
    expect(serve.output()).toMatch(/"msg":"stopped"/);
    expect(serve.output()).not.toMatch(/still running at shutdownTimeoutSeconds/);
    expect(exitedMs).toBeLessThan(EXIT_WITHIN_MS);
  }, 60_000);
});
