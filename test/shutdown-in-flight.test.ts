import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort, waitFor } from './helpers/ports.js';
import { startCli, stopInOrder, type LongRunning } from './helpers/processes.js';
import { apimId, apimResource, networkStatusBody, SUB_A, world } from './helpers/worlds.js';

/**
 * A real `serve` process must exit within shutdownTimeoutSeconds whatever is in flight: a Resource Graph
 * request that never answers (its per-attempt timer must not outlive the abort), and a reload that was
 * waiting for that poll (it must not start a new monitor after "stopped").
 */
const SHUTDOWN_LIMIT_SECONDS = 10;
/** Well within the limit: the process must not merely be killed at it. */
const EXIT_WITHIN_MS = 5_000;
const SPEC = { subscriptionId: SUB_A, resourceGroup: 'rg-a', name: 'a-one' };

function hangingGraphWorld(dir: string): string {
  const path = join(dir, 'world.json');
  const hung = world({
    resources: [apimResource(SPEC) as never],
    networkStatus: { [apimId(SPEC.subscriptionId, SPEC.resourceGroup, SPEC.name)]: networkStatusBody(['West Europe'], new Date()) },
    faults: [{ path: '/providers/Microsoft.ResourceGraph/resources', delayMs: 300_000 }],
  });
  writeFileSync(path, JSON.stringify(hung));
  return path;
}

/** The log lines written after the one matching `pattern` (none if it never came). */
function linesAfter(output: string, pattern: RegExp): string[] {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const at = lines.findIndex((line) => pattern.test(line));
  return at < 0 ? [] : lines.slice(at + 1);
}

describe('serve: SIGTERM exits within shutdownTimeoutSeconds whatever is in flight', () => {
  let sim: LongRunning | undefined;
  let serve: LongRunning | undefined;
  afterEach(async () => {
    await stopInOrder(serve, sim);
    serve = sim = undefined;
  });

  async function serveWithHungGraph(): Promise<{ serve: LongRunning; configFile: string; config: Record<string, unknown> }> {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-shutdown-in-flight-'));
    sim = await startCli(['simulate', '--world', hangingGraphWorld(dir), '--port', '0', '--cert-out', join(dir, 'sim.pem')], /listening on (https:\/\/127\.0\.0\.1:\d+)/);
    const configFile = join(dir, 'config.yaml');
    const config = {
      // Resource Graph's attempt would time out after 30 s, and be retried: the poll waits on it throughout.
      azure: { endpoint: sim.match[1], caCertFile: join(dir, 'sim.pem'), subscriptions: [SUB_A], requestTimeoutSeconds: 30 },
      shutdownTimeoutSeconds: SHUTDOWN_LIMIT_SECONDS,
      server: { port: await freePort(), host: '127.0.0.1' },
      log: { level: 'info' },
    };
    writeFileSync(configFile, stringify(config));
    serve = await startCli(['serve', '--config', configFile], /serving metrics/);
    // The first poll has sent its Resource Graph query, which the simulator holds.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return { serve, configFile, config };
  }

  it('a Resource Graph request that never answers: the process is gone within seconds of SIGTERM, not at the attempt timeout', async () => {
    const { serve } = await serveWithHungGraph();
    expect(serve.output()).not.toMatch(/poll complete/);
    const started = performance.now();
    expect(await serve.stop()).toBe(0);
    const exitedMs = performance.now() - started;
    expect(serve.output()).toMatch(/"msg":"stopped"/);
    expect(serve.output()).not.toMatch(/did not finish within shutdownTimeoutSeconds/);
    expect(exitedMs).toBeLessThan(EXIT_WITHIN_MS);
  }, 90_000);

  it('SIGHUP during that poll, SIGTERM a second later: the reload is abandoned, nothing starts after "stopped", the process exits at once', async () => {
    const { serve, configFile, config } = await serveWithHungGraph();
    // A changed file: the reload builds a new monitor, and waits for the running poll before handing over.
    writeFileSync(configFile, stringify({ ...config, paging: { dependencies: ['sql'] } }));
    serve.child.kill('SIGHUP');
    await waitFor('the SIGHUP log line', async () => (/SIGHUP received/.test(serve.output()) ? true : undefined), 10_000, 50);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const started = performance.now();
    expect(await serve.stop()).toBe(0);
    const exitedMs = performance.now() - started;
    const output = serve.output();
    expect(exitedMs).toBeLessThan(EXIT_WITHIN_MS);
    expect(output).toMatch(/"msg":"stopped"/);
    expect(linesAfter(output, /SIGTERM received/).filter((line) => /configuration reloaded|poll complete|serving/.test(line))).toEqual([]);
    expect(linesAfter(output, /"msg":"stopped"/)).toEqual([]);
    expect(output).toMatch(/SIGHUP: reload abandoned: the service is stopping/);
  }, 90_000);
});
