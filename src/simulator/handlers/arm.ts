import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, RequestHandler, Response } from 'express';
import { ArmError, authenticationFailed, graphRateLimited, faultError, invalidResourceType, methodNotAllowed, missingApiVersion } from '../arm-errors.js';
import { routeApim } from './apim.js';
import { ArmAnswer, CONNECTIVITY_CHECK_ACTION, routeConnectivity } from './connectivity.js';
import { GRAPH_PATH, graphQueryOf, routeGraph } from './graph.js';
import { routeNetwork } from './network.js';
import { ADMIN_RULES_ACTION, routeNetworkManager } from './network-manager.js';
import { parseArmPath, type ArmPath } from './path.js';
import { setListPaging } from '../paging.js';
import { routeResources } from './resources.js';
import { sendFailure, sendJson, setTweaks } from './respond.js';
import type { HandlerContext } from './state.js';
import { routeSubscriptions } from './subscriptions.js';
import { ARM_READ_BUCKET, ArmReadBuckets, faultQuotaHeaders, GraphUserQuota, RESOURCE_GRAPH_QUOTA, type GraphQuotaOptions, type ThrottleOptions } from './throttle.js';
import { subscriptionInPath } from '../../model/ids.js';

/** Each ARM answer waits a uniformly drawn time in [minMs, maxMs] first, as ARM's own latency. */
export interface LatencyOptions {
  minMs: number;
  maxMs: number;
}

export interface ArmRoutesOptions extends HandlerContext {
  /** ARM's read buckets, enforced, over the world's `armThrottle` (`startSimulator({ throttle })`). */
  throttle?: ThrottleOptions;
  latency?: LatencyOptions;
  /** Aborted when the simulator closes, so pending fault delays end with it. */
  closing: AbortSignal;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function dispatch(ctx: HandlerContext, p: ArmPath, req: Request): unknown {
  if (p.segments[0]?.toLowerCase() !== 'subscriptions') throw invalidResourceType(p.path);
  return (
    routeSubscriptions(ctx, p, req) ??
    routeApim(ctx, p) ??
    routeConnectivity(ctx, p, req) ??
    routeNetwork(ctx, p, req) ??
    routeNetworkManager(ctx, p, req.body) ??
    routeResources(ctx, p, req)
  );
}

const MAX_BODY_BYTES = 1 << 20;

async function readJsonBody(req: Request): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ArmError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
}

/** Subscriptions the caller may not read: a 401/403 fault on the subscription's path says so. */
function deniedBy(state: HandlerContext['state']) {
  return (subscriptionId: string) => state.hasFault(`/subscriptions/${subscriptionId}/`, [401, 403]);
}

function drawLatency(latency: LatencyOptions | undefined): number {
  if (!latency) return 0;
  const min = Math.max(0, latency.minMs);
  const max = Math.max(min, latency.maxMs);
  return min + Math.random() * (max - min);
}

/** The read buckets' shape and whether they refuse: the server's option, else the world's `armThrottle`, else Azure's. */
function readThrottle(opts: ArmRoutesOptions): { shape: ThrottleOptions; enforce: boolean } {
  if (opts.throttle) return { shape: opts.throttle, enforce: true };
  const key = opts.state.world.armThrottle as ThrottleOptions | false | undefined;
  return key === false ? { shape: ARM_READ_BUCKET, enforce: false } : { shape: key ?? ARM_READ_BUCKET, enforce: true };
}

/** Resource Graph's quota: the world's `resourceGraphQuota`, Azure's 15 per 5 s without one, none when `false`. */
function graphQuotaOf(opts: ArmRoutesOptions): GraphQuotaOptions | undefined {
  const key = opts.state.world.resourceGraphQuota as GraphQuotaOptions | false | undefined;
  return key === false ? undefined : (key ?? RESOURCE_GRAPH_QUOTA);
}

function setHeaders(res: Response, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
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
 * Every ARM request, in ARM's order: identity headers, method, authentication, api-version, ARM's
 * read buckets (their headers on every answer from here on, the 429 too), Resource Graph's quota,
 * injected faults, then the route that answers.
 */
export function armRoutes(opts: ArmRoutesOptions): RequestHandler {
  const reads = new ArmReadBuckets();
  const graphQuota = new GraphUserQuota();

  return async (req, res) => {
    opts.state.requests += 1;
    try {
      const wait = drawLatency(opts.latency);
      if (wait > 0) await sleep(wait, undefined, { signal: opts.closing });
      setIdentityHeaders(req, res);
      const path = req.path.replace(/\/+$/, '').toLowerCase();
      const graph = path === GRAPH_PATH;
      // ARM's POSTs: Resource Graph queries, list actions and APIM's connectivity check.
      const post = graph || path.endsWith(`/${ADMIN_RULES_ACTION}`) || path.endsWith(`/${CONNECTIVITY_CHECK_ACTION}`);
      if (post ? req.method !== 'POST' : req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method);
      if (!/^Bearer\s+\S/i.test(req.get('authorization') ?? '')) throw authenticationFailed();
      const apiVersion = req.query['api-version'];
      if (typeof apiVersion !== 'string' || apiVersion === '') throw missingApiVersion();
      const p = parseArmPath(req.path);
      const { shape, enforce } = readThrottle(opts);
      const read = reads.take(subscriptionInPath(req.path), shape, enforce);
      setHeaders(res, read.headers);
      if (read.refused) throw read.refused;
      const quota = graph ? graphQuotaOf(opts) : undefined;
      if (quota) {
        const taken = graphQuota.take(quota);
        setHeaders(res, taken.headers);
        if (taken.throttled) throw graphRateLimited();
      }

      // A Resource Graph fault may name the query it applies to: the body is read first.
      const graphBody = graph ? await readJsonBody(req) : undefined;
      // A list action's body carries its paging (`skipToken`).
      if (post && !graph) req.body = await readJsonBody(req);
      const fault = opts.state.takeFault([req.path, p.path], graphQueryOf(graphBody));
      if (fault?.delayMs) await sleep(fault.delayMs, undefined, { signal: opts.closing });
      if (graph && fault) setHeaders(res, faultQuotaHeaders(fault));
      if (fault?.status !== undefined && fault.status >= 400) throw faultError(fault.status, p.path, fault.retryAfterSeconds);
      if (fault?.malformed) setTweaks(res, { malformed: true });
      if (fault?.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(fault.retryAfterSeconds)));
      if (fault && !graph) setListPaging(req, fault);

      const body = graph ? routeGraph(opts.state.graphView(), graphBody, deniedBy(opts.state), fault) : dispatch(opts, p, req);
      if (body instanceof ArmAnswer) {
        setHeaders(res, body.headers);
        if (body.body === undefined) res.status(body.status).setHeader('Content-Length', '0').end();
        else sendJson(res, body.status, body.body);
        return;
      }
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
