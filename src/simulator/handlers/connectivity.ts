import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { badRequest, resourceNotFound } from '../arm-errors.js';
import { idKey, locationKey, type ArmPath } from './path.js';
import type { HandlerContext } from './state.js';

/** The action segment of `POST <apim id>/connectivityCheck`, lower-cased as arm.ts matches paths. */
export const CONNECTIVITY_CHECK_ACTION = 'connectivitycheck';

/** An answer that is not a plain 200: status and headers of its own (arm.ts writes it). */
export class ArmAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

interface Operation {
  readyAt: number;
  result: unknown;
}

interface CheckRequest {
  source?: { region?: unknown };
  destination?: { address?: unknown; port?: unknown };
}

// Running checks per simulator state; they live as long as the state does.
const operations = new WeakMap<object, Map<string, Operation>>();

function opsOf(ctx: HandlerContext): Map<string, Operation> {
  let ops = operations.get(ctx.state);
  if (!ops) operations.set(ctx.state, (ops = new Map()));
  return ops;
}

function checkSeconds(ctx: HandlerContext): number {
  const s = ctx.state.world.connectivityCheckSeconds;
  return typeof s === 'number' && s >= 0 ? s : 1;
}

/** The host a destination names: a URL's host, else the address itself. */
function hostOf(address: string): string {
  try {
    if (/^[a-z]+:\/\//i.test(address)) return new URL(address).hostname.toLowerCase();
  } catch {
    // not a URL: the address as written
  }
  return address.toLowerCase();
}

function sourceHop(apimId: string, issues: unknown[]): unknown {
  return { type: 'Source', id: randomUUID(), address: '10.0.0.4', resourceId: apimId, nextHopIds: [], issues };
}

/** The world's `connectivityChecks` answer, else the region's NetworkStatus entry for the host, else Connected. */
export function checkResult(ctx: HandlerContext, apimId: string, region: string, address: string, port: number): unknown {
  const entries = Array.isArray(ctx.state.world.connectivityChecks) ? (ctx.state.world.connectivityChecks as Array<Record<string, unknown>>) : [];
  const match = entries.find(
    (e) =>
      typeof e.service === 'string' && idKey(e.service) === idKey(apimId) &&
      (typeof e.region !== 'string' || locationKey(e.region) === locationKey(region)) &&
      typeof e.address === 'string' && hostOf(e.address) === hostOf(address) &&
      Number(e.port) === port,
  );
  if (match) return match.response;
  const status = networkStatusEntry(ctx, apimId, region, hostOf(address));
  // Issue type "Platform": NetworkStatus says only that the host failed, not which hop (shape: the examples' issues).
  if (status && status.status !== 'success') {
    const issue = { origin: 'Outbound', severity: 'Error', type: 'Platform', context: [{ error: String(status.error ?? '') }] };
    return { hops: [sourceHop(apimId, [issue])], connectionStatus: 'Disconnected', probesSent: 3, probesFailed: 3 };
  }
  return { hops: [sourceHop(apimId, [])], connectionStatus: 'Connected', avgLatencyInMs: 1, minLatencyInMs: 1, maxLatencyInMs: 2, probesSent: 3, probesFailed: 0 };
}

function networkStatusEntry(ctx: HandlerContext, apimId: string, region: string, host: string): Record<string, unknown> | undefined {
  const all = ctx.state.networkStatus(apimId);
  if (!Array.isArray(all)) return undefined;
  const byRegion = all.find((e: { location?: unknown }) => typeof e?.location === 'string' && locationKey(e.location) === locationKey(region)) as
    | { networkStatus?: { connectivityStatus?: Array<Record<string, unknown>> } }
    | undefined;
  return byRegion?.networkStatus?.connectivityStatus?.find((c) => typeof c.name === 'string' && c.name.toLowerCase() === host);
}

function startCheck(ctx: HandlerContext, apimId: string, req: Request): ArmAnswer {
  const body = (req.body ?? {}) as CheckRequest;
  const region = body.source?.region;
  const address = body.destination?.address;
  const port = body.destination?.port;
  if (typeof region !== 'string' || typeof address !== 'string' || typeof port !== 'number') {
    throw badRequest('The request needs source.region, destination.address and destination.port.', 'InvalidRequestContent');
  }
  const opId = randomUUID();
  const seconds = checkSeconds(ctx);
  opsOf(ctx).set(opId, { readyAt: Date.now() + seconds * 1000, result: checkResult(ctx, apimId, region, address, port) });
  // Azure answers 202 with a location on .../connectivityCheck/operationresults/{id} (the PerformConnectivityCheck example).
  const origin = req.headers.host ? `https://${req.headers.host}` : '';
  const apiVersion = encodeURIComponent(String(req.query['api-version'] ?? ''));
  const location = `${origin}${apimPathOf(req.path)}/connectivityCheck/operationresults/${opId}?api-version=${apiVersion}`;
  return new ArmAnswer(202, undefined, { location, 'Retry-After': String(Math.ceil(seconds)) });
}

function apimPathOf(path: string): string {
  return path.replace(/\/+$/, '').replace(/\/connectivityCheck$/i, '');
}

function pollCheck(ctx: HandlerContext, opId: string, path: string): ArmAnswer {
  const op = opsOf(ctx).get(opId);
  if (!op) throw resourceNotFound(path);
  const left = op.readyAt - Date.now();
  if (left > 0) return new ArmAnswer(202, undefined, { 'Retry-After': String(Math.ceil(left / 1000)) });
  return new ArmAnswer(200, op.result);
}

/**
 * `POST <apim id>/connectivityCheck` (202 + location), `GET` of that location (202 until `connectivityCheckSeconds`
 * have passed, then 200 with the result) and `GET <apim id>/outboundNetworkDependenciesEndpoints`.
 */
export function routeConnectivity(ctx: HandlerContext, p: ArmPath, req: Request): unknown {
  const provider = p.provider?.map((s) => s.toLowerCase());
  if (!provider || !p.resourceGroup || provider[0] !== 'microsoft.apimanagement' || provider[1] !== 'service') return undefined;
  const rest = provider.slice(3);
  const known =
    (rest.length === 1 && (rest[0] === CONNECTIVITY_CHECK_ACTION || rest[0] === 'outboundnetworkdependenciesendpoints')) ||
    (rest.length === 3 && rest[0] === CONNECTIVITY_CHECK_ACTION && rest[1] === 'operationresults');
  if (!known) return undefined;
  const apimId = `${p.scope}/providers/${p.provider!.slice(0, 3).join('/')}`;
  if (!ctx.state.resource(apimId)) throw resourceNotFound(apimId);
  if (rest[0] === 'outboundnetworkdependenciesendpoints') {
    const lists = (ctx.state.world.outboundNetworkDependencies ?? {}) as Record<string, unknown>;
    const key = Object.keys(lists).find((k) => idKey(k) === idKey(apimId));
    return key ? lists[key] : { value: [] };
  }
  if (rest.length === 3) return pollCheck(ctx, p.provider![5]!, p.path);
  return startCheck(ctx, apimId, req);
}
