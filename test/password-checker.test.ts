import bcrypt from 'bcryptjs';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authMiddleware } from '../src/http/auth.js';
import { LoginLimiter, type Admission, type CheckSlot } from '../src/http/login-limiter.js';
import { PasswordChecker, type CheckResult } from '../src/http/password-checker.js';
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
    expect(await checker.check(PASSWORD, HASH)).toBe('match');
    expect(await checker.check('wrong', HASH)).toBe('mismatch');
    const slow = bcrypt.hashSync(PASSWORD, 12);
    const flood = [checker.check(PASSWORD, slow), checker.check(PASSWORD, slow), checker.check(PASSWORD, slow)];
    // The third is refused at once, unchecked: two already wait.
    expect(await flood[2]).toBe('not-checked');
    // The event loop stays free while the worker hashes: a timer fires long before the checks end.
    const tick = await Promise.race([new Promise((resolve) => setTimeout(() => resolve('tick'), 5)), Promise.all(flood.slice(0, 2)).then(() => 'checked')]);
    expect(tick).toBe('tick');
    expect(await Promise.all(flood.slice(0, 2))).toEqual(['match', 'match']);
  }, 30_000);
});

const isSlot = (admission: Admission): admission is CheckSlot => 'finish' in admission;

describe('LoginLimiter: failures counted per guess, when the check starts', () => {
  it('blocks a client after 5 failures within the window, until it passes; other clients are not affected', () => {
    let now = 0;
    const limiter = new LoginLimiter(() => now);
    for (let i = 0; i < 4; i += 1) limiter.failed('a');
    expect(limiter.blockedFor('a')).toBe(0);
    limiter.failed('a');
    expect(limiter.blockedFor('a')).toBe(60);
    expect(limiter.blockedFor('b')).toBe(0);
    now = 61_000;
    expect(limiter.blockedFor('a')).toBe(0);
  });

  it('counts a check as failed the moment it starts, and refunds it when the password matches', async () => {
    const limiter = new LoginLimiter(() => 0);
    const slots = [];
    for (let i = 0; i < 2; i += 1) slots.push(await limiter.admit('a'));
    for (let i = 0; i < 3; i += 1) limiter.failed('a');
    // Two checks still running and three failures: the limit is reached before either check ends.
    expect(limiter.blockedFor('a')).toBe(60);
    const [matching, failing] = slots.filter(isSlot);
    matching!.finish(false);
    expect(limiter.blockedFor('a')).toBe(0);
    // The failed check was counted when it started: its end adds nothing.
    failing!.finish(true);
    expect(limiter.blockedFor('a')).toBe(0);
    limiter.failed('a');
    expect(limiter.blockedFor('a')).toBe(60);
  });

  it('runs at most 2 checks of one address at once; more wait their turn (at most 5), the rest are told to retry', async () => {
    const limiter = new LoginLimiter(() => 0);
    const admissions = Array.from({ length: 9 }, () => limiter.admit('a'));
    const settled = await Promise.all(admissions.map((admission) => Promise.race([admission, new Promise((resolve) => setTimeout(() => resolve('waiting'), 20))])));
    expect(settled.filter((a) => a !== 'waiting' && isSlot(a as Admission))).toHaveLength(2);
    expect(settled.filter((a) => a === 'waiting')).toHaveLength(5);
    expect(settled.filter((a) => a !== 'waiting' && !isSlot(a as Admission))).toEqual([{ retryAfterSeconds: 1 }, { retryAfterSeconds: 1 }]);
    // Another address is not held up.
    expect(isSlot(await limiter.admit('b'))).toBe(true);
    // Each failed check lets one waiting request in, until 5 failures: the last two waiting are refused for the window.
    const running = settled.filter((a): a is CheckSlot => a !== 'waiting' && isSlot(a as Admission));
    for (const slot of running) slot.finish(true);
    const next = await Promise.all(admissions.slice(2, 4));
    expect(next.every(isSlot)).toBe(true);
    for (const slot of next as CheckSlot[]) slot.finish(true);
    const fifth = await admissions[4]!;
    expect(isSlot(fifth)).toBe(true);
    (fifth as CheckSlot).finish(true);
    expect(await Promise.all(admissions.slice(5, 7))).toEqual([{ retryAfterSeconds: 60 }, { retryAfterSeconds: 60 }]);
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

/** A checker that counts the passwords it compares. */
class CountingChecker extends PasswordChecker {
  checked = 0;
  override check(password: string, hash: string): Promise<CheckResult> {
    this.checked += 1;
    return super.check(password, hash);
  }
}

describe('a parallel burst from one address: the limit holds per guess, not per request started', () => {
  // A real cost: each check takes tens of milliseconds, so a burst arrives before the first check ends.
  const hash = bcrypt.hashSync(PASSWORD, 10);
  let checker: CountingChecker;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-burst-'));
    writeFileSync(join(dir, 'web.yaml'), `basic_auth_users:\n  prometheus: '${hash.replace(/^\$2b\$/, '$2y$')}'\n`);
    checker = new CountingChecker();
    const app = express();
    app.use(authMiddleware(loadWebConfig(join(dir, 'web.yaml')), Date.now, checker));
    app.get('/metrics', (_req, res) => res.send('ok'));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await checker.close();
  });

  const as = (password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}` } });

  it('40 wrong passwords at once: at most 5 are checked, the rest get 429 with Retry-After; then the right one is refused too', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${base}/metrics`, as(`guess-${i}`))));
    const statuses = answers.map((answer) => answer.status);
    expect(checker.checked).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status === 401)).toHaveLength(checker.checked);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40 - checker.checked);
    for (const answer of answers.filter((a) => a.status === 429)) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    // As documented: the address waits out the minute, whatever it sends.
    const right = await fetch(`${base}/metrics`, as(PASSWORD));
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(checker.checked).toBeLessThanOrEqual(5);
  }, 30_000);
});

describe('parallel requests with the right password (a browser opening a page) are let in, not refused', () => {
  it('six at once from one address: all 200, the ones that waited let in from the verified cache', async () => {
    const hash = bcrypt.hashSync(PASSWORD, 8);
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-parallel-'));
    writeFileSync(join(dir, 'web.yaml'), `basic_auth_users:\n  grafana: '${hash.replace(/^\$2b\$/, '$2y$')}'\n`);
    const checker = new CountingChecker();
    const app = express();
    app.use(authMiddleware(loadWebConfig(join(dir, 'web.yaml')), Date.now, checker));
    app.get('/', (_req, res) => res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const headers = { authorization: `Basic ${Buffer.from(`grafana:${PASSWORD}`).toString('base64')}` };
      const statuses = await Promise.all(Array.from({ length: 6 }, () => fetch(url, { headers }).then((answer) => answer.status)));
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
      expect(checker.checked).toBeLessThanOrEqual(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await checker.close();
    }
  }, 30_000);
});
