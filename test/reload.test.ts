import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
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
