import type { Request } from 'express';
import { badRequest } from './arm-errors.js';

export interface Page<T> {
  value: T[];
  nextLink?: string;
}

/** How a fault makes a list page untidily, as Azure may (world.ts: `emptyPages`, `pageSize`). */
export interface ListPaging {
  /** Every page with items comes after an empty one whose nextLink points at it. */
  emptyPages?: boolean;
  /** Items a page holds at most, over the simulator's own page size. */
  pageSize?: number;
}

/** The fault's paging for one request, set where faults are taken (handlers/arm.ts) so no list handler has to pass it on. */
const pagingOfRequest = new WeakMap<Request, ListPaging>();

export function setListPaging(req: Request, paging: ListPaging): void {
  pagingOfRequest.set(req, paging);
}

/** Where a page starts; `afterEmpty` once the empty page in front of it has been served. */
interface Position {
  skip: number;
  afterEmpty?: boolean;
}

// Opaque to clients, as ARM's are; only the simulator reads it back.
function encodeToken(position: Position): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeToken(token: string): Position {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { skip?: unknown; afterEmpty?: unknown };
    if (typeof parsed.skip === 'number' && Number.isInteger(parsed.skip) && parsed.skip >= 0) {
      return parsed.afterEmpty === true ? { skip: parsed.skip, afterEmpty: true } : { skip: parsed.skip };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(`The $skiptoken '${token}' is invalid.`, 'InvalidSkipToken');
}

function queryValue(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** An absolute nextLink (ARM's are) on the origin the client used, so a client that trusts the simulator for it follows it unchanged. */
function nextLinkTo(position: Position, req: Request, fallbackOrigin: string): string {
  const host = req.headers.host;
  const origin = host ? `https://${host}` : fallbackOrigin;
  const apiVersion = encodeURIComponent(queryValue(req, 'api-version') ?? '');
  return `${origin}${req.path}?api-version=${apiVersion}&$skiptoken=${encodeToken(position)}`;
}

/** The items of the page `req` asks for, and the nextLink to the one after it. */
export function sliceOf<T>(items: readonly T[], req: Request, pageSize: number, fallbackOrigin: string): { items: T[]; nextLink?: string } {
  const paging = pagingOfRequest.get(req) ?? {};
  const token = queryValue(req, '$skiptoken') ?? queryValue(req, '$skipToken');
  const position = token === undefined ? { skip: 0 } : decodeToken(token);
  if (paging.emptyPages && !position.afterEmpty && position.skip < items.length) {
    return { items: [], nextLink: nextLinkTo({ skip: position.skip, afterEmpty: true }, req, fallbackOrigin) };
  }
  const size = Math.max(1, paging.pageSize ?? pageSize);
  const slice = { items: items.slice(position.skip, position.skip + size) } as { items: T[]; nextLink?: string };
  if (position.skip + size < items.length) slice.nextLink = nextLinkTo({ skip: position.skip + size }, req, fallbackOrigin);
  return slice;
}

/** One page of `items` as ARM lists return them (or as an untidy ARM would, by the request's fault). */
export function pageOf<T>(items: T[], req: Request, pageSize: number, fallbackOrigin: string): Page<T> {
  const { items: value, nextLink } = sliceOf(items, req, pageSize, fallbackOrigin);
  return nextLink === undefined ? { value } : { value, nextLink };
}
