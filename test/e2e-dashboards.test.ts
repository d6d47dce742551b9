import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDashboards, substituteVariables } from '../dashboards/src/index.js';
import { freePort, waitFor } from './helpers/ports.js';
import { instantQuery, startPrometheus, type Daemon } from './helpers/prometheus.js';
import { startCli, type LongRunning } from './helpers/processes.js';

/** Every panel of every shipped dashboard, queried against a real Prometheus scraping `serve --demo`. */
describe('end to end: every dashboard query returns data from a real Prometheus scraping the demo fleet', () => {
  let service: LongRunning;
  let prometheus: Daemon;

  beforeAll(async () => {
    const port = await freePort();
    service = await startCli(['serve', '--demo', '--port', String(port)], /poll complete/);
    prometheus = await startPrometheus({ scrapeTargets: [`127.0.0.1:${port}`], ruleFiles: [] });
    // rate() and increase() need two scrapes inside their window
    await waitFor('three scrapes', async () => {
      const result = await instantQuery(prometheus.url, 'count_over_time(apim_netwatch_build_info[1m])');
      return Number(result[0]?.value[1] ?? 0) >= 3 ? true : undefined;
    });
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await service?.stop();
  });

  const dashboards = listDashboards();

  it('covers the three dashboards', () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['apim-netwatch-fleet', 'apim-netwatch-instance', 'apim-netwatch-monitor']);
  });

  for (const dashboard of dashboards) {
    it(`${dashboard.uid}: every panel query parses and returns data`, async () => {
      const empty: string[] = [];
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) {
          const result = await instantQuery(prometheus.url, substituteVariables(target.expr));
          if (result.length === 0) empty.push(`${panel.key} ${target.refId}: ${target.expr}`);
        }
      }
      expect(empty).toEqual([]);
    });
  }
});
