import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import type { Logger } from 'pino';

/** What a client that hung up mid-response (a Prometheus scrape timeout) looks like: nothing to answer, nothing to alarm. */
function isClientAbort(err: unknown, res: { destroyed: boolean; writableFinished: boolean }): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE' || (res.destroyed && !res.writableFinished);
}

/**
 * Every error ends here, inside the app: one JSON log line, and a body without stack or paths (express's
 * default handler would print both, to anyone). A bad request (a path that does not decode) is the
 * client's: 400, logged at debug.
 */
export function errorHandler(log: Logger | undefined): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (isClientAbort(err, res)) {
      log?.debug({ path: req.path, code: (err as { code?: string }).code }, 'client closed the connection before the response was sent');
      if (!res.destroyed) res.destroy();
      return;
    }
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? (err.status as number) : 500;
    if (status >= 500) log?.error({ path: req.path, err: { type: err?.name, message: err?.message } }, 'request failed');
    else log?.debug({ path: req.path, status, message: err?.message }, 'bad request');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body =
      status === 500
        ? { code: 'INTERNAL', message: 'internal error; the service log has the details' }
        : { code: 'BAD_REQUEST', message: status === 400 ? 'the request could not be read (a path that does not decode?)' : `request refused (${status})` };
    res.status(status).set('Cache-Control', 'no-store').json({ error: body });
  };
}

/** 405 with `Allow` for a path the app serves, asked with a method it does not (HEAD comes with GET). */
export function allowOnly(app: Express, paths: readonly string[], methods = 'GET, HEAD'): void {
  const refuse: RequestHandler = (req, res) => {
    res.status(405).set('Allow', methods).json({ error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed here; use ${methods}` } });
  };
  for (const path of paths) app.all(path, refuse);
}
