import type { Logger } from 'pino';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createApp } from '../http/app.js';
import { createServer, listen, type HttpServer } from '../http/server.js';
import { authEnabled, loadWebConfig, type WebConfig } from '../http/web-config.js';
import { createLogger } from '../log.js';
import { keepFamilies } from '../metrics/family-filter.js';
import { SelfMetrics } from '../metrics/self-metrics.js';
import { RemotePush } from '../remote-write/start.js';
import { Monitor } from '../service/monitor.js';
import { startDemo, type Demo } from './demo.js';
import { reportFatal } from './errors.js';
import { listenError, SERVE_LISTEN_SETTINGS } from './listen-error.js';
import { reloadConfigFile, reloadWebConfig } from './reload.js';

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

/** Listens on the port; a failure stops the demo's simulator first and says what to fix. */
async function bind(server: HttpServer, port: number, host: string, demo: Demo | undefined): Promise<number> {
  try {
    return await listen(server, port, host);
  } catch (err) {
    await demo?.stop();
    throw listenError(err, host, port, SERVE_LISTEN_SETTINGS);
  }
}

/** What the web config turns on, never the credentials (no hashes, no tokens). */
function logWebConfig(log: Logger, webConfigFile: string, web: WebConfig): void {
  log.info(
    { webConfigFile, tls: Boolean(web.tls), clientCertificates: web.tls?.requestCert ?? false, basicAuthUsers: web.users.size, bearerTokens: web.tokens.length },
    authEnabled(web) ? 'web config: every endpoint but /healthz and /readyz needs credentials' : 'web config: no authentication configured',
  );
}

/** The monitor's own metrics as served: limited by `metrics.families` as the fleet's are, read per call (a reload applies at once). */
function ownMetricsOf(selfMetrics: SelfMetrics, monitor: () => Monitor): () => Promise<string> {
  return async () => keepFamilies(await selfMetrics.render(), monitor().config.metrics.families);
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
  // One registry for the life of the process: the monitors a reload builds count on in it.
  const selfMetrics = new SelfMetrics();
  let monitor = new Monitor(config, { log, selfMetrics, ...(demo ? { caPem: demo.simulator.caCertPem } : {}) });
  const ownMetrics = ownMetricsOf(selfMetrics, () => monitor);
  const app = createApp({
    report: () => monitor.report,
    fleetMetrics: () => monitor.fleetBody(),
    selfMetrics: ownMetrics,
    simulated: Boolean(demo),
    web: () => web,
    log,
  });
  const server = createServer(app, web);
  const boundPort = await bind(server, options.port ?? config.server.port, config.server.host, demo);
  if (webConfigFile) logWebConfig(log, webConfigFile, web);
  log.info({ port: boundPort, schedule: config.schedule, endpoint: config.azure.endpoint }, `serving metrics on ${web.tls ? 'https' : 'http'}://${config.server.host}:${boundPort}/metrics`);
  await monitor.restore();
  monitor.start();
  const remote = new RemotePush(config, { registry: selfMetrics.registry, source: { fleet: () => monitor.fleetBody(), own: ownMetrics }, log });
  /** Fired by stop(): no reload starts, and one under way is abandoned. */
  const stopping = new AbortController();
  let reloading: Promise<void> = Promise.resolve();
  const reloadNow = async (): Promise<void> => {
    // A SIGHUP queued behind another, or sent while stopping.
    if (stopping.signal.aborted) {
      log.info('SIGHUP ignored: the service is stopping');
      return;
    }
    if (webConfigFile) web = reloadWebConfig(webConfigFile, web, server, log);
    if (options.config) {
      const file = options.config;
      const context = { log, demo: Boolean(demo), stopping: stopping.signal };
      ({ monitor, config: running } = await reloadConfigFile(file, () => withShard(loadConfig(file), options), { monitor, config: running }, context));
      await remote.apply(running);
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
      // One reload at a time: a second SIGHUP waits for the first. Never rejects: a reload must not end the process.
      reloading = reloading.then(reloadNow).catch((err: unknown) => log.error({ error: (err as Error).message }, 'SIGHUP: reload failed'));
      return reloading;
    },
    async stop() {
      stopping.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Browsers on the status page keep connections alive: do not wait for them to give up.
      server.closeAllConnections();
      await closed;
      await remote.stop();
      // Stopping the running monitor aborts the poll a pending reload waits for; the reload then gives up.
      const stopped = monitor;
      await stopped.stop();
      await reloading;
      if (monitor !== stopped) await monitor.stop();
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
  exitAtTheLimit(limit * 1000 - (performance.now() - started), log);
  return 0;
}

/**
 * After "stopped" nothing should hold the event loop; should something still (a timer or socket a stop
 * missed), the process exits at the shutdown limit anyway, naming what held it. The timer holds nothing itself.
 */
function exitAtTheLimit(remainingMs: number, log: Logger): void {
  setTimeout(() => {
    log.warn({ holding: process.getActiveResourcesInfo() }, 'still running at shutdownTimeoutSeconds after stopping: exiting anyway');
    process.exit(0);
  }, Math.max(0, remainingMs)).unref();
}
