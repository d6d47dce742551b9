import express, { type Express } from 'express';
import type { FleetReport } from '../analysis/report.js';
import { escapeHtml } from './html.js';

export interface AppState {
  /** The latest report, or undefined before the first poll completed. */
  report(): FleetReport | undefined;
  /** The fleet's exposition, rendered once per poll. */
  fleetMetrics(): string;
  selfMetrics(): Promise<string>;
  /** Set when the data is simulated (demo), so every surface says so. */
  simulated: boolean;
}

const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function createApp(state: AppState): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/metrics', async (_req, res, next) => {
    try {
      const own = await state.selfMetrics();
      res.type(EXPOSITION_CONTENT_TYPE).send(state.fleetMetrics() + own);
    } catch (err) {
      next(err);
    }
  });

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

  app.get('/', (_req, res) => {
    const report = state.report();
    const summary = report
      ? `${report.summary.instances} instances: ${report.summary.healthy} healthy, ${report.summary.degraded} degraded, ${report.summary.down} down, ${report.summary.unknown} unknown, ${report.summary.notMonitored} not VNet-injected`
      : 'waiting for the first poll';
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>apim-netwatch</title></head>
<body><h1>apim-netwatch</h1>
${state.simulated ? '<p><strong>Demo mode: simulated data from the built-in ARM simulator, not Azure.</strong></p>' : ''}
<p>${escapeHtml(summary)}</p>
<ul><li><a href="/metrics">/metrics</a></li><li><a href="/api/v1/status">/api/v1/status</a></li><li><a href="/healthz">/healthz</a></li><li><a href="/readyz">/readyz</a></li></ul>
</body></html>
`);
  });

  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such endpoint; see / for the list' } });
  });

  return app;
}
