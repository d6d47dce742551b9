import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { Monitor } from '../service/monitor.js';
import { checkJson, checkTable, colourEnabled, createProgress } from './check-output.js';
import { startDemo, type Demo } from './demo.js';
import { reportFatal } from './errors.js';
import { EXIT_COULD_NOT_CHECK, exitCodeOf } from './exit-codes.js';

export interface CheckOptions {
  config?: string;
  demo?: boolean;
  output: 'table' | 'json';
}

/** One poll, printed; logs go to stderr so stdout stays parseable. */
export async function runCheck(options: CheckOptions): Promise<number> {
  let demo: Demo | undefined;
  // On stderr, so it never mixes with the table or the JSON on stdout; only on a terminal.
  const progress = createProgress(process.stderr);
  try {
    let config = loadConfig(options.config);
    const log = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, 'stderr');
    if (options.demo) {
      demo = await startDemo(config, log);
      config = demo.config;
    }
    const monitor = new Monitor(config, {
      log,
      processMetrics: false,
      ...(demo ? { caPem: demo.simulator.caCertPem } : {}),
      ...(process.stderr.isTTY ? { onProgress: (done: number, total: number) => progress.update(done, total) } : {}),
    });
    const report = await monitor.poller.pollNow();
    progress.finish();
    if (!report) return EXIT_COULD_NOT_CHECK;
    process.stdout.write(options.output === 'json' ? checkJson(report) : checkTable(report, colourEnabled(process.stdout)));
    return exitCodeOf(report);
  } catch (err) {
    progress.finish();
    reportFatal(err);
    return EXIT_COULD_NOT_CHECK;
  } finally {
    await demo?.stop();
  }
}
