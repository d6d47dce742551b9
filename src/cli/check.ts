import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { Monitor } from '../service/monitor.js';
import { checkJson, checkTable } from './check-output.js';
import { startDemo, type Demo } from './demo.js';
import { reportFatal } from './errors.js';
import { EXIT_COULD_NOT_CHECK, exitCodeOf } from './verdict.js';

export interface CheckOptions {
  config?: string;
  demo?: boolean;
  output: 'table' | 'json';
}

/** One poll, printed; logs go to stderr so stdout stays parseable. */
export async function runCheck(options: CheckOptions): Promise<number> {
  let demo: Demo | undefined;
  try {
    let config = loadConfig(options.config);
    const log = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, 'stderr');
    if (options.demo) {
      demo = await startDemo(config, log);
      config = demo.config;
    }
    const progress = process.stderr.isTTY && options.output === 'table';
    const monitor = new Monitor(config, {
      log,
      processMetrics: false,
      ...(demo ? { caPem: demo.simulator.caCertPem } : {}),
      ...(progress ? { onProgress: (done: number, total: number) => process.stderr.write(`\rpolling ${done}/${total} instances`) } : {}),
    });
    const report = await monitor.poller.pollNow();
    if (progress) process.stderr.write('\r\x1b[K');
    if (!report) return EXIT_COULD_NOT_CHECK;
    process.stdout.write(options.output === 'json' ? checkJson(report) : checkTable(report, Boolean(process.stdout.isTTY)));
    return exitCodeOf(report);
  } catch (err) {
    reportFatal(err);
    return EXIT_COULD_NOT_CHECK;
  } finally {
    await demo?.stop();
  }
}
