import type { Request } from 'express';
import { badRequest } from './arm-errors.js';

export interface Page<T> {
  value: T[];
  nextLink?: string;
}

// Opaque to clients, as ARM's are; only the simulator reads it back.
function encodeToken(skip: number): string {
  return Buffer.from(JSON.stringify({ skip })).toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { skip?: unknown };
    if (typeof parsed.skip === 'number' && Number.isInteger(parsed.skip) && parsed.skip >= 0) return parsed.skip;
  } catch {
    // fall through to the error below
  }
  throw badRequest(`The $skiptoken '${token}' is invalid.`, 'InvalidSkipToken');
}

function queryValue(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * One page of `items` as ARM lists return them. `nextLink` is absolute (ARM's are) on the origin the
 * client used, so a client that trusts the simulator for that origin follows it unchanged.
 */
export function pageOf<T>(items: T[], req: Request, pageSize: number, fallbackOrigin: string): Page<T> {
  const token = queryValue(req, '$skiptoken') ?? queryValue(req, '$skipToken');
  const skip = token === undefined ? 0 : decodeToken(token);
  const size = Math.max(1, pageSize);
  const page: Page<T> = { value: items.slice(skip, skip + size) };
  if (skip + size < items.length) {
    const host = req.headers.host;
    const origin = host ? `https://${host}` : fallbackOrigin;
    const apiVersion = encodeURIComponent(queryValue(req, 'api-version') ?? '');
    page.nextLink = `${origin}${req.path}?api-version=${apiVersion}&$skiptoken=${encodeToken(skip + size)}`;
  }
  return page;
}
