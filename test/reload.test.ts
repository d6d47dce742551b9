import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseExposition, type ParsedSample } from './helpers/metrics.js';
import { freePort, waitFor } from './helpers/ports.js';
import { startCli } from './helpers/processes.js';
import { SUB_A } from './helpers/worlds.js';

/** SIGHUP re-reads the web config (applied at once) and the config file (checked); an invalid one is refused and the old kept. */
describe('serve: SIGHUP', () => {
  it('swaps bearer tokens live, refuses an invalid web config or config file with a log line, and keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-reload-'));
    const tokenFile = join(dir, 'token');
    const webFile = join(dir, 'web.yaml');
    const configFile = join(dir, 'config.yaml');
    const port = await freePort();
    const config = { azure: { subscriptions: [SUB_A] }, server: { port, host: '127.0.0.1', webConfigFile: webFile }, readNetworkConfig: false };
    writeFileSync(tokenFile, 'first-token-0123456789');
    writeFileSync(webFile, stringify({ bearer_tokens: [{ token_file: tokenFile }] }));
    writeFileSync(configFile, stringify(config));
    const serve = await startCli(['serve', '--demo', '--config', configFile], /serving metrics/);
    const status = async (token: string) => (await fetch(`http://127.0.0.1:${port}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })).status;
    const logged = (pattern: RegExp) => waitFor(`a log line ${pattern}`, async () => (pattern.test(serve.output()) ? true : undefined), 10_000, 100);
    try {
      await waitFor('ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined));
      expect(await status('first-token-0123456789')).toBe(200);

      writeFileSync(tokenFile, 'second-token-0123456789');
      serve.child.kill('SIGHUP');
      await logged(/"tokensChanged":true[^\n]*SIGHUP: web config reloaded/);
      expect(await status('first-token-0123456789')).toBe(401);
      expect(await status('second-token-0123456789')).toBe(200);

      writeFileSync(webFile, 'bearer_tokens: [{ token_file: /no/such/file }]\n');
      writeFileSync(configFile, stringify({ ...config, schedule: 'every minute' }));
      serve.child.kill('SIGHUP');
      await logged(/SIGHUP: the web config is invalid; kept the running one/);
      await logged(/schedule: expected a cron expression[^\n]*SIGHUP: the configuration file is invalid; kept the running configuration/);
      expect(await status('second-token-0123456789')).toBe(200);
      expect(serve.child.exitCode).toBeNull();
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 90_000);
});

/** The sum of a counter's series on /metrics. */
function total(samples: ParsedSample[], name: string): number {
  return samples.filter((sample) => sample.name === name).reduce((sum, sample) => sum + sample.value, 0);
}

describe('serve: SIGHUP applies a changed configuration file', () => {
  it('a new paging policy takes effect without a restart, /metrics never goes empty in between, and counters count on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-reload-config-'));
    const sim = await startCli(['simulate', '--demo', '--port', '0', '--cert-out', join(dir, 'sim.pem')], /listening on (https:\/\/127\.0\.0\.1:\d+)/);
    const port = await freePort();
    const configFile = join(dir, 'config.yaml');
    const config = {
      azure: { endpoint: sim.match[1], caCertFile: join(dir, 'sim.pem'), subscriptions: ['3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13', 'a7c3e9d1-4f2b-4a86-9e5c-81b6d0f2c947'] },
      server: { port, host: '127.0.0.1' },
      log: { level: 'info' },
    };
    writeFileSync(configFile, stringify(config));
    const serve = await startCli(['serve', '--config', configFile], /poll complete/);
    const status = async () => (await (await fetch(`http://127.0.0.1:${port}/api/v1/status`)).json()) as { pagingDependencies: string[] };
    const metrics = async () => parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    try {
      expect((await status()).pagingDependencies).toEqual(['storage', 'sql', 'keyvault', 'graph']);
      const beforeReload = await metrics();
      expect(total(beforeReload, 'apim_netwatch_polls_total')).toBe(1);
      const requestsBefore = total(beforeReload, 'apim_netwatch_arm_requests_total');
      expect(requestsBefore).toBeGreaterThan(0);
      writeFileSync(configFile, stringify({ ...config, paging: { dependencies: ['sql'] } }));
      serve.child.kill('SIGHUP');
      // While the reload runs, every scrape still has the fleet's series.
      const deadline = Date.now() + 20_000;
      while (!/SIGHUP: configuration reloaded/.test(serve.output()) && Date.now() < deadline) {
        expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('apim_network_endpoint_up{');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(serve.output()).toMatch(/"changed":\["paging.dependencies[^\n]*SIGHUP: configuration reloaded/);
      expect((await status()).pagingDependencies).toEqual(['sql']);
      // The new monitor's first poll counts on in the same registry: a restart from zero would read 1.
      await waitFor('the new monitor\'s first poll', async () => (serve.output().match(/poll complete/g)!.length >= 2 ? true : undefined), 30_000, 100);
      const afterReload = await metrics();
      expect(total(afterReload, 'apim_netwatch_polls_total')).toBe(2);
      expect(total(afterReload, 'apim_netwatch_arm_requests_total')).toBeGreaterThan(requestsBefore);
    } finally {
      expect(await serve.stop()).toBe(0);
      await sim.stop();
    }
  }, 90_000);
});
