import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, RequestHandler, Response } from 'express';
import { authenticationFailed, faultError, invalidResourceType, methodNotAllowed, missingApiVersion } from './arm-errors.js';
import { routeApim } from './routes-apim.js';
import { routeNetwork } from './routes-network.js';
import { parseArmPath, type ArmPath } from './routes-path.js';
import { routeResources } from './routes-resources.js';
import { sendFailure, sendJson, setTweaks } from './routes-respond.js';
import type { RouteContext } from './routes-state.js';
import { routeSubscriptions } from './routes-subscriptions.js';
import { ReadCounters, Throttle, type ThrottleOptions } from './routes-throttle.js';

export interface ArmRoutesOptions extends RouteContext {
  throttle?: ThrottleOptions;
  /** Aborted when the simulator closes, so pending fault delays end with it. */
  closing: AbortSignal;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function dispatch(ctx: RouteContext, p: ArmPath, req: Request): unknown {
  if (p.segments[0]?.toLowerCase() !== 'subscriptions') throw invalidResourceType(p.path);
  return (
    routeSubscriptions(ctx, p, req) ??
    routeApim(ctx, p) ??
    routeNetwork(ctx, p) ??
    routeResources(ctx, p, req)
  );
}

function setIdentityHeaders(req: Request, res: Response): void {
  res.setHeader('x-ms-request-id', randomUUID());
  // ARM echoes a caller's correlation ID so one operation can be traced across requests.
  const correlation = req.get('x-ms-correlation-request-id');
  res.setHeader('x-ms-correlation-request-id', correlation && UUID.test(correlation) ? correlation : randomUUID());
  const clientId = req.get('x-ms-client-request-id');
  if (clientId) res.setHeader('x-ms-client-request-id', clientId);
}

/**
 * Every ARM request, in ARM's order: identity and quota headers, method, authentication,
 * api-version, throttling, injected faults, then the route that answers.
 */
export function armRoutes(opts: ArmRoutesOptions): RequestHandler {
  const reads = new ReadCounters();
  const throttle = opts.throttle ? new Throttle(opts.throttle) : undefined;

  return async (req, res) => {
    opts.state.requests += 1;
    try {
      setIdentityHeaders(req, res);
      const subscriptionId = /^\/subscriptions\/([^/?]+)/i.exec(req.path)?.[1];
      if (subscriptionId) {
        res.setHeader('x-ms-ratelimit-remaining-subscription-reads', String(reads.take(subscriptionId.toLowerCase())));
      } else {
        res.setHeader('x-ms-ratelimit-remaining-tenant-reads', String(reads.take('')));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method);
      if (!/^Bearer\s+\S/i.test(req.get('authorization') ?? '')) throw authenticationFailed();
      const apiVersion = req.query['api-version'];
      if (typeof apiVersion !== 'string' || apiVersion === '') throw missingApiVersion();
      const p = parseArmPath(req.path);
      const limited = throttle?.take(p.subscriptionId);
      if (limited) throw limited;

      const fault = opts.state.takeFault(req.path, p.path);
      if (fault?.delayMs) await sleep(fault.delayMs, undefined, { signal: opts.closing });
      if (fault?.status !== undefined && fault.status >= 400) throw faultError(fault.status, p.path, fault.retryAfterSeconds);
      if (fault?.malformed) setTweaks(res, { malformed: true });
      if (fault?.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(fault.retryAfterSeconds)));

      const body = dispatch(opts, p, req);
      sendJson(res, fault?.status ?? 200, body);
    } catch (err) {
      if (opts.closing.aborted) {
        res.destroy();
        return;
      }
      sendFailure(res, err);
    }
  };
}
