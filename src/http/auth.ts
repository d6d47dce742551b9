import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { basicVerifier, digest, type Refusal } from './basic-auth.js';
import { LoginLimiter } from './login-limiter.js';
import { PasswordChecker } from './password-checker.js';
import { authEnabled, type WebConfig } from './web-config.js';

/** Probes stay open: a kubelet has no credentials, and they reveal nothing about the fleet. */
export const OPEN_PATHS = new Set(['/healthz', '/readyz']);

const REALM = 'apim-netwatch';

function challenge(res: Response, web: WebConfig): void {
  const challenges: string[] = [];
  if (web.users.size > 0) challenges.push(`Basic realm="${REALM}"`);
  if (web.tokens.length > 0) challenges.push(`Bearer realm="${REALM}"`);
  res.status(401).set('WWW-Authenticate', challenges).type('text/plain').send('401 Unauthorized: this endpoint needs credentials\n');
}

function refuse(res: Response, { kind, retryAfterSeconds }: Refusal): void {
  res.set('Retry-After', String(retryAfterSeconds)).type('text/plain');
  if (kind === 'busy') res.status(503).send('503 Service Unavailable: too many password checks waiting; retry later\n');
  else res.status(429).send('429 Too Many Requests: too many failed logins from this address; retry later\n');
}

/**
 * `Authorization: Basic` (bcrypt hashes of basic_auth_users) or `Bearer` (bearer_tokens) on every path
 * but the probes; 401 with `WWW-Authenticate` otherwise, 429 to an address over its failed-login limit
 * (`LoginLimiter`). Credentials are never logged or echoed.
 */
export function authMiddleware(web: WebConfig, now: () => number = Date.now, checker = new PasswordChecker(), limiter = new LoginLimiter(now)): RequestHandler {
  if (!authEnabled(web)) return (_req, _res, next) => next();
  const tokenDigests = web.tokens.map(digest);
  const checkBasic = basicVerifier(web.users, now, checker, limiter);

  const checkBearer = (token: string): boolean => {
    const candidate = digest(token);
    let ok = false;
    for (const known of tokenDigests) ok = timingSafeEqual(candidate, known) || ok;
    return ok;
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
      refuse(res, { kind: 'limited', retryAfterSeconds: wait });
      return;
    }
    if (scheme === 'bearer' && web.tokens.length > 0) {
      if (checkBearer(credentials)) {
        next();
        return;
      }
      limiter.failed(client);
      challenge(res, web);
      return;
    }
    if (scheme === 'basic' && web.users.size > 0) {
      checkBasic(credentials, client).then((outcome) => {
        if (outcome.kind === 'let-in') next();
        else if (outcome.kind === 'wrong') challenge(res, web);
        else refuse(res, outcome);
      }, next);
      return;
    }
    challenge(res, web);
  };
}
