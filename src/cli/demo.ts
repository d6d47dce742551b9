import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../simulator/server.js';

export interface Demo {
  simulator: RunningSimulator;
  config: Config;
  stop(): Promise<void>;
}

/** How often the demo world's timestamps move on, as the platform refreshes NetworkStatus. */
const DEMO_REFRESH_MS = 60_000;

/**
 * Starts the ARM simulator in-process with the built-in demo fleet and points the config at it.
 * Everything else runs exactly as against Azure: real SDK clients, HTTPS, paging, retries.
 */
export async function startDemo(config: Config, log: Logger): Promise<Demo> {
  const simulator = await startSimulator({ world: buildDemoWorld(new Date()) });
  const refresh = setInterval(() => simulator.setWorld(buildDemoWorld(new Date())), DEMO_REFRESH_MS);
  refresh.unref();
  log.warn(
    { simulator: simulator.url },
    'DEMO MODE: the data below is SIMULATED by the built-in ARM simulator (demo fleet), not read from Azure',
  );
  return {
    simulator,
    config: {
      ...config,
      azure: { ...config.azure, endpoint: simulator.url, credential: 'simulator', subscriptions: [...DEMO_SUBSCRIPTIONS] },
      targets: { instances: [], tags: {} },
    },
    async stop() {
      clearInterval(refresh);
      await simulator.close();
    },
  };
}

/**
 * A one-shot command's config and logger (`--config`, `--demo`): logs on stderr, so that stdout stays parseable,
 * and `info` lowered to `warn` there; with `--demo`, the embedded simulator started and the config pointed at it.
 */
export async function oneShotSetup(options: { config?: string | undefined; demo?: boolean | undefined }): Promise<{ config: Config; log: Logger; demo?: Demo }> {
  const config = loadConfig(options.config);
  const log = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, 'stderr');
  if (!options.demo) return { config, log };
  const demo = await startDemo(config, log);
  return { config: demo.config, log, demo };
}
