import type { Response } from 'express';
import { ArmError } from '../arm-errors.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Set by the fault step; read when the answer is written. */
export interface ResponseTweaks {
  /** Serve the body cut in half, with status 200, so that JSON parsing fails. */
  malformed?: boolean;
}

function tweaks(res: Response): ResponseTweaks {
  return (res.locals.armTweaks ?? {}) as ResponseTweaks;
}

export function setTweaks(res: Response, t: ResponseTweaks): void {
  res.locals.armTweaks = t;
}

export function sendJson(res: Response, status: number, body: unknown): void {
  let text = JSON.stringify(body) ?? 'null';
  if (tweaks(res).malformed) {
    status = 200;
    // Any strict prefix of a JSON object or array is invalid JSON: the closing bracket is gone.
    text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  }
  res.status(status);
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export function sendError(res: Response, err: ArmError): void {
  if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(err.retryAfterSeconds)));
  sendJson(res, err.status, err.body());
}

/** Anything thrown that is not an ArmError is the simulator's own bug: answer as ARM would, never crash. */
export function sendFailure(res: Response, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof ArmError) {
    sendError(res, err);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  sendError(res, new ArmError(500, 'InternalServerError', `The simulator failed: ${message}`));
}
