import { Monitor } from '../service/monitor.js';
import { checkJson, checkTable, colourEnabled, createProgress, type LastWrites } from './check-output.js';
import { blockedOf } from '../analysis/triage.js';
import type { FleetReport } from '../analysis/report.js';
import type { Logger } from 'pino';
import { oneShotSetup, type Demo } from './demo.js';
import { reportFatal } from './errors.js';
import { EXIT_COULD_NOT_CHECK, exitCodeOf } from './exit-codes.js';

export interface CheckOptions {
  config?: string;
  demo?: boolean;
  output: 'table' | 'json';
}

/**
 * Who last wrote the resources behind the blocked verdicts, from Resource Graph's `resourcechanges` (a one-shot
 * check has no earlier read to compare with); empty when Resource Graph is off or the query fails (logged).
 */
async function whoWroteLast(monitor: Monitor, report: FleetReport, log: Logger): Promise<LastWrites> {
  const ids = [...new Set(blockedOf(report).flatMap((blocked) => blocked.resource_id ?? []))];
  if (ids.length === 0 || !monitor.config.azure.resourceGraph) return new Map();
  try {
    return await monitor.latestWrites(ids);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'cannot read who last changed the blocking resources (Resource Graph resourcechanges)');
    return new Map();
  }
}

/** One poll, printed; logs go to stderr so stdout stays parseable. */
export async function runCheck(options: CheckOptions): Promise<number> {
  let demo: Demo | undefined;
  // On stderr, so it never mixes with the table or the JSON on stdout; only on a terminal.
  const progress = createProgress(process.stderr);
  try {
    const setup = await oneShotSetup(options);
    const { config, log } = setup;
    demo = setup.demo;
    const monitor = new Monitor(config, {
      log,
      processMetrics: false,
      ...(demo ? { caPem: demo.simulator.caCertPem } : {}),
      ...(process.stderr.isTTY ? { onProgress: (done: number, total: number) => progress.update(done, total) } : {}),
    });
    const report = await monitor.poller.pollNow();
    progress.finish();
    if (!report) return EXIT_COULD_NOT_CHECK;
    const lastWrites = await whoWroteLast(monitor, report, log);
    process.stdout.write(options.output === 'json' ? checkJson(report, lastWrites) : checkTable(report, colourEnabled(process.stdout), lastWrites));
    return exitCodeOf(report);
  } catch (err) {
    progress.finish();
    reportFatal(err);
    return EXIT_COULD_NOT_CHECK;
  } finally {
    await demo?.stop();
  }
}
