import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createApp } from '../http/app.js';
import { createServer, listen, type HttpServer } from '../http/server.js';
import { authEnabled, loadWebConfig } from '../http/web-config.js';
import { createLogger } from '../log.js';
import { Monitor } from '../service/monitor.js';
import { startDemo, type Demo } from './demo.js';
import { reportFatal } from './errors.js';

export interface ServeOptions {
  config?: string;
  demo?: boolean;
  port?: number;
  /** exporter-toolkit style web config (TLS, basic auth, bearer tokens); overrides server.webConfigFile. */
  webConfigFile?: string;
  /** This replica's shard; overrides `sharding` of the config. */
  shardIndex?: number;
  shardCount?: number;
}

export interface RunningService {
  monitor: Monitor;
  server: HttpServer;
  port: number;
  demo?: Demo;
  stop(): Promise<void>;
}

function withShard(config: Config, options: ServeOptions): Config {
  if (options.shardIndex === undefined && options.shardCount === undefined) return config;
  const sharding = { index: options.shardIndex ?? config.sharding.index, count: options.shardCount ?? config.sharding.count };
  if (sharding.index >= sharding.count) {
    throw new ConfigError(`--shard-index ${sharding.index} must be below --shard-count ${sharding.count} (indexes count from 0)`);
  }
  return { ...config, sharding };
}

export async function startService(options: ServeOptions): Promise<RunningService> {
  let config = withShard(loadConfig(options.config), options);
  const log = createLogger(config.log.level);
  const webConfigFile = options.webConfigFile ?? config.server.webConfigFile;
  // Read before anything starts: a broken web config stops the service with a message naming the key.
  const web = loadWebConfig(webConfigFile);
  let demo: Demo | undefined;
  if (options.demo) {
    demo = await startDemo(config, log);
    config = demo.config;
  }
  const monitor = new Monitor(config, { log, ...(demo ? { caPem: demo.simulator.caCertPem } : {}) });
  const app = createApp({
    report: () => monitor.report,
    fleetMetrics: () => monitor.fleetBody(),
    selfMetrics: () => monitor.selfMetrics.render(),
    simulated: Boolean(demo),
    web,
  });
  const port = options.port ?? config.server.port;
  const server = createServer(app, web);
  let boundPort: number;
  try {
    boundPort = await listen(server, port, config.server.host);
  } catch (err) {
    await demo?.stop();
    throw err;
  }
  const scheme = web.tls ? 'https' : 'http';
  if (webConfigFile) {
    // What is on, never the credentials (no hashes, no tokens).
    log.info(
      { webConfigFile, tls: Boolean(web.tls), clientCertificates: web.tls?.requestCert ?? false, basicAuthUsers: web.users.size, bearerTokens: web.tokens.length },
      authEnabled(web) ? 'web config: every endpoint but /healthz and /readyz needs credentials' : 'web config: no authentication configured',
    );
  }
  log.info({ port: boundPort, schedule: config.schedule, endpoint: config.azure.endpoint }, `serving metrics on ${scheme}://${config.server.host}:${boundPort}/metrics`);
  await monitor.restore();
  monitor.poller.start(config.schedule);
  return {
    monitor,
    server,
    port: boundPort,
    ...(demo ? { demo } : {}),
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Browsers on the status page keep connections alive: do not wait for them to give up.
      server.closeAllConnections();
      await closed;
      await monitor.stop();
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
