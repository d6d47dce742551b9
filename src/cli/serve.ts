import type { Server } from 'node:http';
import { loadConfig } from '../config/load.js';
import { createApp } from '../http/app.js';
import { createLogger } from '../log.js';
import { Monitor } from '../service/monitor.js';
import { startDemo, type Demo } from './demo.js';
import { reportFatal } from './errors.js';

export interface ServeOptions {
  config?: string;
  demo?: boolean;
  port?: number;
}

export interface RunningService {
  monitor: Monitor;
  server: Server;
  port: number;
  demo?: Demo;
  stop(): Promise<void>;
}

export async function startService(options: ServeOptions): Promise<RunningService> {
  let config = loadConfig(options.config);
  const log = createLogger(config.log.level);
  let demo: Demo | undefined;
  if (options.demo) {
    demo = await startDemo(config, log);
    config = demo.config;
  }
  const monitor = new Monitor(config, { log, ...(demo ? { caPem: demo.simulator.caCertPem } : {}) });
  const app = createApp({
    report: () => monitor.report,
    fleetMetrics: () => monitor.fleetMetrics(),
    selfMetrics: () => monitor.selfMetrics.render(),
    simulated: Boolean(demo),
  });
  const port = options.port ?? config.server.port;
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, config.server.host, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  log.info({ port: boundPort, schedule: config.schedule, endpoint: config.azure.endpoint }, `serving metrics on http://${config.server.host}:${boundPort}/metrics`);
  monitor.poller.start(config.schedule);
  return {
    monitor,
    server,
    port: boundPort,
    ...(demo ? { demo } : {}),
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await monitor.poller.stop();
      await demo?.stop();
    },
  };
}

/** Runs until SIGTERM/SIGINT, then stops polling and serving gracefully. */
export async function runServe(options: ServeOptions): Promise<number> {
  let service: RunningService;
  try {
    service = await startService(options);
  } catch (err) {
    reportFatal(err);
    return 2;
  }
  await new Promise<void>((resolve) => {
    const shutdown = () => resolve();
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
  await service.stop();
  return 0;
}
