import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { secureContextOptions, type HttpServer } from '../http/server.js';
import { loadWebConfig, type WebConfig } from '../http/web-config.js';
import { Monitor } from '../service/monitor.js';

/**
 * SIGHUP: the web config is read again and applied at once; the config file is read, checked and, if it
 * changed, handed to a new monitor that takes over the last data. Whatever is invalid is refused with a log
 * line, and what runs is kept.
 */

/** Settings a reload cannot apply to a running process: the listening socket, and its shutdown budget. */
const RESTART_KEYS = ['server', 'shutdownTimeoutSeconds'];

/** TLS on or off, or a change of client-certificate checking, cannot be applied to a listening server. */
function tlsChangeNeedingRestart(running: WebConfig, next: WebConfig): string | undefined {
  if (Boolean(running.tls) !== Boolean(next.tls)) return `TLS ${next.tls ? 'turned on' : 'turned off'}`;
  if (running.tls && next.tls && (running.tls.requestCert !== next.tls.requestCert || running.tls.rejectUnauthorized !== next.tls.rejectUnauthorized)) {
    return 'client_auth_type changed';
  }
  return undefined;
}

/** What a reload changed, never the secrets themselves. */
function webConfigChanges(running: WebConfig, next: WebConfig): Record<string, unknown> {
  const fingerprint = (pem: string | undefined) => (pem ? new X509Certificate(pem).fingerprint256 : undefined);
  return {
    certificateChanged: fingerprint(running.tls?.cert) !== fingerprint(next.tls?.cert),
    basicAuthUsers: next.users.size,
    usersChanged: [...next.users.keys()].sort().join() !== [...running.users.keys()].sort().join() || [...next.users].some(([user, hash]) => running.users.get(user) !== hash),
    bearerTokens: next.tokens.length,
    tokensChanged: next.tokens.join('\u0000') !== running.tokens.join('\u0000'),
  };
}

/** The dotted keys whose values differ between two configurations. */
function changedKeys(a: unknown, b: unknown, prefix = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isMap(a) || !isMap(b)) return [prefix || '(all)'];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) => changedKeys(a[key], b[key], prefix ? `${prefix}.${key}` : key));
}

/** The web config in force after a reload: the new one, or (invalid, or a change a listening server cannot take) the running one. */
export function reloadWebConfig(file: string, running: WebConfig, server: HttpServer, log: Logger): WebConfig {
  try {
    const next = loadWebConfig(file);
    const refused = tlsChangeNeedingRestart(running, next);
    if (refused) {
      log.warn({ webConfigFile: file }, `SIGHUP: ${refused}; kept the running web config (restart to apply it)`);
      return running;
    }
    if (next.tls && server instanceof https.Server) server.setSecureContext(secureContextOptions(next.tls));
    log.info({ webConfigFile: file, ...webConfigChanges(running, next) }, 'SIGHUP: web config reloaded');
    return next;
  } catch (err) {
    log.error({ webConfigFile: file, error: (err as Error).message }, 'SIGHUP: the web config is invalid; kept the running one');
    return running;
  }
}

export interface RunningConfig {
  monitor: Monitor;
  config: Config;
}

export interface ReloadContext {
  log: Logger;
  demo: boolean;
  /** Fired at SIGTERM: a reload still under way is abandoned, and its new monitor never started. */
  stopping: AbortSignal;
}

/** The monitor and configuration in force after a reload of the config file. */
export async function reloadConfigFile(file: string, load: () => Config, current: RunningConfig, { log, demo, stopping }: ReloadContext): Promise<RunningConfig> {
  let next: Config;
  let successor: Monitor;
  try {
    next = load();
    if (demo) {
      log.warn({ config: file }, "SIGHUP: the configuration file is valid, but with --demo the configuration is the demo's; restart to apply it");
      return current;
    }
    // Built first: whatever it cannot accept (a CA file, a state file) refuses the reload, not the service.
    // The self-metrics go on from where the running monitor's are: counters never restart at a reload.
    successor = changedKeys(current.config, next).length > 0 ? new Monitor(next, { log, selfMetrics: current.monitor.selfMetrics }) : current.monitor;
  } catch (err) {
    log.error({ config: file, error: (err as Error).message }, 'SIGHUP: the configuration file is invalid; kept the running configuration');
    return current;
  }
  const changed = changedKeys(current.config, next);
  if (changed.length === 0) {
    log.info({ config: file }, 'SIGHUP: configuration file unchanged');
    return current;
  }
  const atRestart = changed.filter((key) => RESTART_KEYS.some((prefix) => key === prefix || key.startsWith(`${prefix}.`)));
  // The running poll is waited for (a SIGTERM meanwhile aborts it): check again after each wait.
  await current.monitor.retire();
  if (stopping.aborted) return abandon(file, successor, current, log);
  await successor.takeOver(current.monitor);
  if (stopping.aborted) return abandon(file, successor, current, log);
  log.level = next.log.level;
  successor.start();
  log.info({ config: file, changed, ...(atRestart.length > 0 ? { atNextRestart: atRestart } : {}) }, 'SIGHUP: configuration reloaded');
  return { monitor: successor, config: next };
}

/** A reload overtaken by shutdown: the new monitor is stopped unstarted; the service stops the running one. */
async function abandon(file: string, successor: Monitor, current: RunningConfig, log: Logger): Promise<RunningConfig> {
  log.info({ config: file }, 'SIGHUP: reload abandoned: the service is stopping');
  await successor.stop();
  return current;
}
