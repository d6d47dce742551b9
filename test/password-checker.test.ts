import bcrypt from 'bcryptjs';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authMiddleware } from '../src/http/auth.js';
import { FailureLimiter, PasswordChecker } from '../src/http/password-checker.js';
import { loadWebConfig } from '../src/http/web-config.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';

const PASSWORD = 'correct horse';
const HASH = bcrypt.hashSync(PASSWORD, 4);

describe('PasswordChecker: bcrypt on a worker thread', () => {
  const checker = new PasswordChecker(2);
  afterAll(() => checker.close());

  it('checks passwords off the event loop, and refuses beyond its queue instead of queueing without bound', async () => {
    expect(await checker.check(PASSWORD, HASH)).toBe(true);
    expect(await checker.check('wrong', HASH)).toBe(false);
    const slow = bcrypt.hashSync(PASSWORD, 12);
    const flood = [checker.check(PASSWORD, slow), checker.check(PASSWORD, slow), checker.check(PASSWORD, slow)];
    // The third is refused at once: two already wait.
    expect(await flood[2]).toBe(false);
    // The event loop stays free while the worker hashes: a timer fires long before the checks end.
    const tick = await Promise.race([new Promise((resolve) => setTimeout(() => resolve('tick'), 5)), Promise.all(flood.slice(0, 2)).then(() => 'checked')]);
    expect(tick).toBe('tick');
    expect(await Promise.all(flood.slice(0, 2))).toEqual([true, true]);
  }, 30_000);
});

describe('FailureLimiter', () => {
  it('blocks a client after 5 failures within the window, until it passes; a success clears it', () => {
    let now = 0;
    const limiter = new FailureLimiter(5, 60_000, () => now);
    for (let i = 0; i < 4; i += 1) limiter.failed('a');
    expect(limiter.blockedFor('a')).toBe(0);
    limiter.failed('a');
    expect(limiter.blockedFor('a')).toBe(60);
    expect(limiter.blockedFor('b')).toBe(0);
    now = 61_000;
    expect(limiter.blockedFor('a')).toBe(0);
    limiter.failed('c');
    limiter.succeeded('c');
    expect(limiter.blockedFor('c')).toBe(0);
  });
});

describe('basic auth: a client that keeps failing gets 429 without bcrypt work; probes never wait', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-auth-'));
    writeFileSync(join(dir, 'web.yaml'), `basic_auth_users:\n  prometheus: '${HASH.replace(/^\$2b\$/, '$2y$')}'\n`);
    const app = express();
    app.use(authMiddleware(loadWebConfig(join(dir, 'web.yaml'))));
    app.get(['/metrics', '/healthz'], (_req, res) => res.send('ok'));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const as = (password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}` } });

  it('five wrong passwords, then 429 with Retry-After even for the right one; /healthz answers throughout', async () => {
    for (let i = 0; i < 5; i += 1) expect((await fetch(`${base}/metrics`, as('wrong'))).status).toBe(401);
    const refused = await fetch(`${base}/metrics`, as(PASSWORD));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
