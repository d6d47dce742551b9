import type { Logger } from 'pino';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createApp } from '../http/app.js';
import { createServer, listen, type HttpServer } from '../http/server.js';
import { authEnabled, loadWebConfig } from '../http/web-config.js';
import { createLogger } from '../log.js';
import { Monitor } from '../service/monitor.js';
import { startDemo, type Demo } from './demo.js';
import { reportFatal } from './errors.js';
import { reloadConfigFile, reloadWebConfig } from './reload.js';
import { ERROR_CODES, UserError } from '../errors.js';

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
  log: Logger;
  shutdownTimeoutSeconds: number;
  server: HttpServer;
  port: number;
  demo?: Demo;
  stop(): Promise<void>;
  /** SIGHUP: re-reads the web config (applied at once) and the config file (checked; applied at the next restart). */
  reload(): Promise<void>;
}

function withShard(config: Config, options: ServeOptions): Config {
  if (options.shardIndex === undefined && options.shardCount === undefined) return config;
  const sharding = { index: options.shardIndex ?? config.sharding.index, count: options.shardCount ?? config.sharding.count };
  if (sharding.index >= sharding.count) {
    throw new ConfigError(`--shard-index ${sharding.index} must be below --shard-count ${sharding.count} (indexes count from 0)`);
  }
  return { ...config, sharding };
}

/** Why the server could not listen, as a user can fix it. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') return new UserError(ERROR_CODES.SERVER_LISTEN, `cannot listen on ${where}: the port is already in use; stop what uses it, or choose another with --port or server.port`);
  if (code === 'EACCES') return new UserError(ERROR_CODES.SERVER_LISTEN, `cannot listen on ${where}: permission denied (ports below 1024 need privileges); choose a port above 1023 with --port or server.port`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new UserError(ERROR_CODES.SERVER_LISTEN, `cannot listen on ${where}: no such address on this machine; fix server.host (0.0.0.0 listens everywhere)`);
  return err;
}

export async function startService(options: ServeOptions): Promise<RunningService> {
  let config = withShard(loadConfig(options.config), options);
  /** The file's configuration in force (what a reload compares against). */
  let running = config;
  const log = createLogger(config.log.level);
  const webConfigFile = options.webConfigFile ?? config.server.webConfigFile;
  // Read before anything starts: a broken web config stops the service with a message naming the key.
  let web = loadWebConfig(webConfigFile);
  let demo: Demo | undefined;
  if (options.demo) {
    demo = await startDemo(config, log);
    config = demo.config;
  }
  let monitor = new Monitor(config, { log, ...(demo ? { caPem: demo.simulator.caCertPem } : {}) });
  const app = createApp({
    report: () => monitor.report,
    fleetMetrics: () => monitor.fleetBody(),
    selfMetrics: () => monitor.selfMetrics.render(),
    simulated: Boolean(demo),
    web: () => web,
    log,
  });
  const port = options.port ?? config.server.port;
  const server = createServer(app, web);
  let boundPort: number;
  try {
    boundPort = await listen(server, port, config.server.host);
  } catch (err) {
    await demo?.stop();
    throw listenError(err, config.server.host, port);
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
  monitor.start();
  let reloading: Promise<void> = Promise.resolve();
  const reloadNow = async (): Promise<void> => {
    if (webConfigFile) web = reloadWebConfig(webConfigFile, web, server, log);
    if (options.config) {
      const file = options.config;
      ({ monitor, config: running } = await reloadConfigFile(file, () => withShard(loadConfig(file), options), { monitor, config: running }, log, Boolean(demo)));
    }
  };

  return {
    get monitor() {
      return monitor;
    },
    log,
    shutdownTimeoutSeconds: config.shutdownTimeoutSeconds,
    server,
    port: boundPort,
    ...(demo ? { demo } : {}),
    reload() {
      // One reload at a time: a second SIGHUP waits for the first.
      reloading = reloading.then(reloadNow, (err: unknown) => log.error({ error: (err as Error).message }, 'SIGHUP: reload failed'));
      return reloading;
    },
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

/**
 * Runs until SIGTERM/SIGINT, then stops within `shutdownTimeoutSeconds`: requests in flight are aborted,
 * the state file is written, and the process exits (a stop still hanging then is given up on, and said so).
 */
export async function runServe(options: ServeOptions): Promise<number> {
  let service: RunningService;
  try {
    service = await startService(options);
  } catch (err) {
    reportFatal(err);
    return 2;
  }
  const { log } = service;
  // SIGHUP's default is to end the process; operators send it expecting a reload, never an exit.
  const onHangUp = () => {
    log.info('SIGHUP received: reloading');
    void service.reload();
  };
  process.on('SIGHUP', onHangUp);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const limit = service.shutdownTimeoutSeconds;
  log.info({ signal }, `${signal} received: stopping (within ${limit} s)`);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    service.stop().then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), limit * 1000);
    }),
  ]);
  clearTimeout(timer);
  process.off('SIGHUP', onHangUp);
  const seconds = Number(((performance.now() - started) / 1000).toFixed(3));
  if (!stopped) {
    log.warn({ seconds }, `shutdown did not finish within shutdownTimeoutSeconds (${limit} s): exiting anyway`);
    process.exit(0);
  }
  log.info({ seconds }, 'stopped');
  return 0;
}
