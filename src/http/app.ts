import express, { type Express } from 'express';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import type { FleetReport } from '../analysis/report.js';
import type { ExpositionBody } from '../metrics/exposition-body.js';
import type { Logger } from 'pino';
import { authMiddleware } from './auth.js';
import { allowOnly, errorHandler } from './errors.js';
import { LoginLimiter } from './login-limiter.js';
import { PasswordChecker } from './password-checker.js';
import { fleetPage } from './pages/fleet-page.js';
import { findInstance, instancePage } from './pages/instance-page.js';
import { notFoundPage, waitingPage } from './pages/layout.js';
import { NO_WEB_CONFIG, type WebConfig } from './web-config.js';

export interface AppState {
  /** The latest report, or undefined before the first poll completed. */
  report(): FleetReport | undefined;
  /** The fleet's exposition, rendered (and encoded, and gzipped) once per poll. */
  fleetMetrics(): ExpositionBody;
  selfMetrics(): Promise<string>;
  /** Set when the data is simulated (demo), so every surface says so. */
  simulated: boolean;
  /** Basic/bearer authentication of every path but the probes (TLS is the server's business); a function: read per request, so a reload takes effect at once. */
  web?: WebConfig | (() => WebConfig);
  /** The clock of the status page's ages (tests). */
  now?: () => Date;
  /** Where request errors are logged (one JSON line each); none: not logged. */
  log?: Logger;
}

const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Every page answers with these headers: no caching, a strict CSP, no sniffing. */
function sendPage(res: express.Response, status: number, body: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    .set('X-Content-Type-Options', 'nosniff')
    .type('html')
    .send(body);
}

/** Each app's password-checking worker, ended by `closeApp` when its server closes. */
const passwordCheckers = new WeakMap<Express, PasswordChecker>();

/** Ends what the app runs beside its requests (the password-checking worker); a later request would start it again. */
export async function closeApp(app: Express): Promise<void> {
  await passwordCheckers.get(app)?.close();
}

/** Authentication, with the web config read per request so that a reload takes effect at once. */
function authentication(state: AppState, passwords: PasswordChecker): express.RequestHandler {
  const webOf = typeof state.web === 'function' ? state.web : () => (state.web as WebConfig | undefined) ?? NO_WEB_CONFIG;
  // One middleware per web config (it keeps its verified-credentials cache and failure counts); rebuilt when the config is replaced.
  // One limiter for the process: a reload of the web config must not forgive the guesses counted so far.
  const logins = new LoginLimiter(Date.now);
  let auth = { web: webOf(), handler: authMiddleware(webOf(), Date.now, passwords, logins) };
  return (req, res, next) => {
    const web = webOf();
    if (web !== auth.web) auth = { web, handler: authMiddleware(web, Date.now, passwords, logins) };
    auth.handler(req, res, next);
  };
}

/**
 * The fleet's part is cached per poll, gzipped; only the process's own few series are encoded per
 * scrape. Two gzip members back to back are one valid gzip stream (RFC 1952), which Prometheus reads
 * as one body. A client that refuses gzip gets the fleet's part decompressed as it is sent.
 */
function metricsRoute(app: Express, state: AppState): void {
  app.get('/metrics', async (req, res, next) => {
    try {
      const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
      const fleet = state.fleetMetrics();
      const own = Buffer.from(await state.selfMetrics(), 'utf8');
      res.status(200).type(EXPOSITION_CONTENT_TYPE).set('Vary', 'Accept-Encoding');
      if (gzip) {
        const head = await fleet.gzip();
        const tail = gzipSync(own);
        res.set('Content-Encoding', 'gzip').set('Content-Length', String(head.length + tail.length));
        res.write(head);
        res.end(tail);
        return;
      }
      await pipeline(fleet.plain(), res, { end: false });
      res.end(own);
    } catch (err) {
      next(err);
    }
  });
}

function probeAndApiRoutes(app: Express, state: AppState): void {
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });

  app.get('/readyz', (_req, res) => {
    if (state.report()) res.type('text/plain').send('ready\n');
    else res.status(503).type('text/plain').send('not ready: the first poll has not completed\n');
  });

  app.get('/api/v1/status', (_req, res) => {
    const report = state.report();
    if (!report) {
      res.status(503).json({ error: { code: 'NOT_READY', message: 'the first poll has not completed yet; retry shortly' } });
      return;
    }
    res.json({ simulated: state.simulated, ...report });
  });
}

function pageRoutes(app: Express, state: AppState): void {
  const now = state.now ?? (() => new Date());
  app.get('/', (_req, res) => {
    const report = state.report();
    if (!report) {
      sendPage(res.set('Retry-After', '5'), 503, waitingPage(state.simulated));
      return;
    }
    sendPage(res, 200, fleetPage(report, { simulated: state.simulated, now: now() }));
  });

  const showInstance = (res: express.Response, key: Parameters<typeof findInstance>[1], label: string) => {
    const report = state.report();
    if (!report) {
      sendPage(res.set('Retry-After', '5'), 503, waitingPage(state.simulated));
      return;
    }
    const instance = findInstance(report, key);
    if (!instance) {
      sendPage(res, 404, notFoundPage(state.simulated, `No watched API Management instance is called ${label}. It may have been deleted, or it is outside the configured subscriptions and targets.`));
      return;
    }
    sendPage(res, 200, instancePage(report, instance, { simulated: state.simulated, now: now() }));
  };

  // The lower-cased ARM resource ID, URL-encoded as one segment (what the grid links to).
  app.get('/instances/:id', (req, res) => showInstance(res, { id: req.params.id }, req.params.id));
  // Or subscription/resourceGroup/name, easier to type in an alert template.
  app.get('/instances/:subscriptionId/:resourceGroup/:name', (req, res) => {
    const { subscriptionId, resourceGroup, name } = req.params;
    showInstance(res, { subscriptionId, resourceGroup, name }, `${subscriptionId}/${resourceGroup}/${name}`);
  });
}

export function createApp(state: AppState): Express {
  const app = express();
  app.disable('x-powered-by');
  const passwords = new PasswordChecker();
  passwordCheckers.set(app, passwords);
  app.use(authentication(state, passwords));
  metricsRoute(app, state);
  probeAndApiRoutes(app, state);
  pageRoutes(app, state);
  allowOnly(app, ['/metrics', '/healthz', '/readyz', '/api/v1/status', '/', '/instances/:id', '/instances/:subscriptionId/:resourceGroup/:name']);
  app.use((req, res) => {
    if (req.accepts(['json', 'html']) === 'html') {
      sendPage(res, 404, notFoundPage(state.simulated, 'There is no page at this address.'));
      return;
    }
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such endpoint; see / for the list' } });
  });
  app.use(errorHandler(state.log));
  return app;
}
