import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FailureLimiter, PasswordChecker } from './password-checker.js';
import { authEnabled, type WebConfig } from './web-config.js';

/** Probes stay open: a kubelet has no credentials, and they reveal nothing about the fleet. */
export const OPEN_PATHS = new Set(['/healthz', '/readyz']);

const REALM = 'apim-netwatch';
/** bcrypt is slow on purpose (tens of ms per check); a scraper every 15 s must not pay it each time. */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 1024;
/** Compared against when the user is unknown, so that a wrong user costs as much as a wrong password. */
const DUMMY_HASH = bcrypt.hashSync('apim-netwatch: no such user', 10);

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * `Authorization: Basic` (bcrypt hashes of basic_auth_users) or `Bearer` (bearer_tokens) on every path
 * but the probes; 401 with `WWW-Authenticate` otherwise. Credentials are never logged or echoed.
 */
export function authMiddleware(web: WebConfig, now: () => number = Date.now, checker = new PasswordChecker(), limiter = new FailureLimiter(5, 60_000, now)): RequestHandler {
  if (!authEnabled(web)) return (_req, _res, next) => next();
  const tokenDigests = web.tokens.map(digest);
  // sha256(user:password) -> expiry; successful checks only, so a wrong password always pays bcrypt.
  const verified = new Map<string, number>();

  const checkBearer = (token: string): boolean => {
    const candidate = digest(token);
    let ok = false;
    for (const known of tokenDigests) ok = timingSafeEqual(candidate, known) || ok;
    return ok;
  };

  const checkBasic = async (encoded: string): Promise<boolean> => {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const key = digest(`${user}\u0000${password}`).toString('hex');
    const expiry = verified.get(key);
    if (expiry !== undefined && expiry > now()) return true;
    if (expiry !== undefined) verified.delete(key);
    const hash = web.users.get(user);
    const matches = await checker.check(password, hash ?? DUMMY_HASH);
    if (!matches || hash === undefined) return false;
    if (verified.size >= CACHE_MAX) verified.delete(verified.keys().next().value as string);
    verified.set(key, now() + CACHE_TTL_MS);
    return true;
  };

  const challenge = (res: Response) => {
    const challenges: string[] = [];
    if (web.users.size > 0) challenges.push(`Basic realm="${REALM}"`);
    if (web.tokens.length > 0) challenges.push(`Bearer realm="${REALM}"`);
    res.status(401).set('WWW-Authenticate', challenges).type('text/plain').send('401 Unauthorized: this endpoint needs credentials\n');
  };

  return (req: Request, res: Response, next: NextFunction) => {
    if (OPEN_PATHS.has(req.path)) {
      next();
      return;
    }
    const header = req.get('authorization') ?? '';
    const match = /^(\S+)\s+(\S+)\s*$/.exec(header);
    const scheme = match?.[1]?.toLowerCase();
    const credentials = match?.[2] ?? '';
    // A client that keeps failing is refused without any work until its window passes.
    const client = req.socket.remoteAddress ?? 'unknown';
    const wait = limiter.blockedFor(client);
    if (wait > 0) {
      res.status(429).set('Retry-After', String(wait)).type('text/plain').send('429 Too Many Requests: too many failed logins from this address; retry later\n');
      return;
    }
    const settle = (ok: boolean) => {
      if (ok) {
        limiter.succeeded(client);
        next();
        return;
      }
      limiter.failed(client);
      challenge(res);
    };
    if (scheme === 'bearer' && web.tokens.length > 0) {
      settle(checkBearer(credentials));
      return;
    }
    if (scheme === 'basic' && web.users.size > 0) {
      checkBasic(credentials).then(settle, (err: unknown) => next(err));
      return;
    }
    challenge(res);
  };
}
