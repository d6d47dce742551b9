import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { LoginLimiter } from './login-limiter.js';
import type { PasswordChecker } from './password-checker.js';

/** bcrypt is slow on purpose (tens of ms per check); a scraper every 15 s must not pay it each time. */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 1024;
/** Compared against when the user is unknown, so that a wrong user costs as much as a wrong password. */
const DUMMY_HASH = bcrypt.hashSync('apim-netwatch: no such user', 10);

/** Refused before any check: over the failed-login limit, or the worker's queue is full. */
export type Refusal = { kind: 'limited' | 'busy'; retryAfterSeconds: number };
/** How a login ended. */
export type Outcome = { kind: 'let-in' } | { kind: 'wrong' } | Refusal;

const LET_IN: Outcome = { kind: 'let-in' };
const WRONG: Outcome = { kind: 'wrong' };

export function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Checks `Authorization: Basic` credentials against `users` (user -> bcrypt hash). Each check takes a slot
 * of the client's (`LoginLimiter.admit`, its failure counted before bcrypt runs, so parallel guesses cannot
 * outrun the limit); credentials that passed are remembered for a minute and cost nothing.
 */
export function basicVerifier(users: ReadonlyMap<string, string>, now: () => number, checker: PasswordChecker, limiter: LoginLimiter) {
  // sha256(user:password) -> expiry; successful checks only, so a wrong password always pays bcrypt.
  const verified = new Map<string, number>();

  const isVerified = (key: string): boolean => {
    const expiry = verified.get(key);
    if (expiry !== undefined && expiry > now()) return true;
    if (expiry !== undefined) verified.delete(key);
    return false;
  };

  const remember = (key: string) => {
    if (verified.size >= CACHE_MAX) verified.delete(verified.keys().next().value as string);
    verified.set(key, now() + CACHE_TTL_MS);
  };

  return async (encoded: string, client: string): Promise<Outcome> => {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      limiter.failed(client);
      return WRONG;
    }
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const key = digest(`${user}\u0000${password}`).toString('hex');
    if (isVerified(key)) return LET_IN;
    const slot = await limiter.admit(client);
    if ('retryAfterSeconds' in slot) return { kind: 'limited', retryAfterSeconds: slot.retryAfterSeconds };
    let failed = false;
    try {
      // A parallel request with the same credentials may have verified them while this one waited.
      if (isVerified(key)) return LET_IN;
      const hash = users.get(user);
      const result = await checker.check(password, hash ?? DUMMY_HASH);
      if (result === 'not-checked') return { kind: 'busy', retryAfterSeconds: 1 };
      if (result === 'mismatch' || hash === undefined) {
        failed = true;
        return WRONG;
      }
      remember(key);
      return LET_IN;
    } finally {
      slot.finish(failed);
    }
  };
}
