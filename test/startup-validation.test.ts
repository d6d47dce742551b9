import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../src/config/load.js';
import { loadWebConfig } from '../src/http/web-config.js';
import { Monitor } from '../src/service/monitor.js';
import { runCli } from './helpers/processes.js';

/** What can be checked at start-up is checked there, naming the key (or the environment variable) and the fix. */
const dir = mkdtempSync(join(tmpdir(), 'netwatch-startup-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const message = (run: () => unknown): string => {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

async function pair(commonName: string) {
  const pems = await generate([{ name: 'commonName', value: commonName }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
  return { cert: pems.cert, key: pems.private };
}

describe('configuration that cannot work is refused at start-up', () => {
  it.each([
    [{ APIM_NETWATCH_PORT: '0x10' }, /environment variable APIM_NETWATCH_PORT="0x10": expected a whole number in decimal digits/],
    [{ APIM_NETWATCH_PORT: '70000' }, /server.port: .*\(from the environment variable APIM_NETWATCH_PORT\)/],
    [{ APIM_NETWATCH_AZURE_ENDPOINT: 'http://127.0.0.1:8443' }, /azure.endpoint: expected an https:\/\/ URL.*\(from the environment variable APIM_NETWATCH_AZURE_ENDPOINT\)/],
  ])('environment %j: named as the environment value it is', (env, expected) => {
    expect(message(() => validateConfig({}, 'my.yaml', env))).toMatch(expected);
  });

  it.each(['ftp://x', 'http://management.azure.com'])('azure.endpoint %s: refused, https only', (endpoint) => {
    expect(message(() => validateConfig({ azure: { endpoint } }, 'my.yaml', {}))).toMatch(/azure.endpoint: expected an https:\/\/ URL/);
  });

  const monitor = (config: Record<string, unknown>) => () =>
    new Monitor(validateConfig(config, 'my.yaml', {}), { log: pino({ level: 'silent' }), processMetrics: false });

  it('azure.caCertFile that holds no certificate, or bad base64', () => {
    expect(message(monitor({ azure: { endpoint: 'https://127.0.0.1:1', caCertFile: file('empty.pem', 'hello\n') } }))).toMatch(
      /azure.caCertFile: .*empty.pem holds no PEM certificate/,
    );
    const broken = file('broken.pem', '-----BEGIN CERTIFICATE-----\nnot!base64@@\n-----END CERTIFICATE-----\n');
    expect(message(monitor({ azure: { endpoint: 'https://127.0.0.1:1', caCertFile: broken } }))).toMatch(/certificate 1 of 1 does not parse/);
  });

  it('a stateFile whose directory cannot be written', () => {
    expect(message(monitor({ stateFile: '/proc/no-such-dir/state.json' }))).toMatch(/stateFile: cannot write \/proc\/no-such-dir\/state.json .*mount a writable volume/);
  });

  it('web config: a certificate with the key of another, a PEM with bad base64, a client CA that is no certificate', async () => {
    const a = await pair('a');
    const b = await pair('b');
    const web = (tls: Record<string, string>) => file(`web-${Object.keys(tls).join('-')}-${Math.random()}.yaml`, `tls_server_config:\n${Object.entries(tls).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`);
    const certA = file('a.crt', a.cert);
    const keyB = file('b.key', b.key);
    expect(message(() => loadWebConfig(web({ cert_file: certA, key_file: keyB })))).toMatch(/tls_server_config.key_file does not go with cert_file/);
    const badCert = file('bad.crt', a.cert.replace(/\n[A-Za-z0-9+/]{10}/, '\n@@@@@@@@@@'));
    expect(message(() => loadWebConfig(web({ cert_file: badCert, key_file: file('a.key', a.key) })))).toMatch(/tls_server_config.cert_file: certificate 1 of 1 does not parse/);
    const garbageCa = file('ca.pem', 'garbage');
    expect(message(() => loadWebConfig(web({ cert_file: certA, key_file: file('a2.key', a.key), client_ca_file: garbageCa })))).toMatch(
      /tls_server_config.client_ca_file: holds no PEM certificate/,
    );
  });
});

describe('start-up errors through the CLI: one line, the code, exit 2', () => {
  it('a port already in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const config = file('port.yaml', `server:\n  host: 127.0.0.1\n  port: ${port}\nazure:\n  subscriptions: []\n`);
      const result = await runCli(['serve', '--config', config], { APIM_NETWATCH_LOG_LEVEL: 'warn' });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`cannot listen on 127.0.0.1:${port}: the port is already in use.*\\[NETWATCH_SERVER_LISTEN\\]`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('simulate without --world', async () => {
    const result = await runCli(['simulate']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('apim-netwatch: simulate needs --world FILE (a world file, JSON) or --demo (the built-in fleet) [NETWATCH_USAGE]');
  });
});
