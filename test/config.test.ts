import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfig } from '../src/config/load.js';
import { parse } from 'yaml';

describe('config', () => {
  it('defaults: public cloud, every 15 minutes, 35-minute staleness, port 9464, Storage/SQL/Key Vault/Graph page', () => {
    const config = validateConfig({}, 'test', {});
    expect(config.azure.endpoint).toBe('https://management.azure.com');
    expect(config.schedule).toBe('*/15 * * * *');
    expect(config.staleAfterSeconds).toBe(2100);
    expect(config.server.port).toBe(9464);
    expect(config.paging.dependencies).toEqual({ storage: 'required', sql: 'required', keyvault: 'required', graph: 'any' });
  });

  it('paging.dependencies: a list takes each dependency\'s default scope (graph any, the rest required); a map sets them', () => {
    expect(validateConfig({ paging: { dependencies: ['sql', 'graph'] } }, 'test', {}).paging.dependencies).toEqual({ sql: 'required', graph: 'any' });
    expect(validateConfig({ paging: { dependencies: { storage: 'any', graph: 'required' } } }, 'test', {}).paging.dependencies).toEqual({ storage: 'any', graph: 'required' });
  });

  it.each([
    [{ azure: { subscriptions: ['s1'] } }, 'azure.subscriptions.0', 'UUID'],
    [{ schedule: 'every 5 minutes' }, 'schedule', 'cron expression'],
    [{ targets: { instances: ['/subscriptions/x/apim'] } }, 'targets.instances.0', 'API Management resource ID'],
    [{ staleAfterSeconds: -1 }, 'staleAfterSeconds', ''],
    [{ server: { port: 70000 } }, 'server.port', ''],
    [{ azure: { endpoint: 'not a url' } }, 'azure.endpoint', 'ARM base URL'],
    [{ azure: { subscription: [] } }, 'azure', 'unknown key(s) "subscription"'],
    [{ paging: { dependencies: ['sql', 'dns'] } }, 'paging.dependencies.1', ''],
    [{ paging: { dependencies: { sql: 'all' } } }, 'paging.dependencies.sql', '"required"'],
    [{ paging: { dependencies: { dns: 'any' } } }, 'paging.dependencies', 'unknown dependency "dns"'],
    [{ paging: { dependencies: 'sql' } }, 'paging.dependencies', 'a list of dependencies, or a map'],
  ])('%j names the key %s', (raw, key, hint) => {
    expect(() => validateConfig(raw, 'my.yaml', {})).toThrow(ConfigError);
    try {
      validateConfig(raw, 'my.yaml', {});
    } catch (err) {
      expect((err as Error).message).toContain('my.yaml');
      expect((err as Error).message).toContain(`${key}:`);
      expect((err as Error).message).toContain(hint);
    }
  });

  it('environment variables override the file', () => {
    const config = validateConfig({ server: { port: 1 } }, 'test', {
      APIM_NETWATCH_PORT: '9999',
      APIM_NETWATCH_SUBSCRIPTIONS: '3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13, a7c3e9d1-4f2b-4a86-9e5c-81b6d0f2c947',
    });
    expect(config.server.port).toBe(9999);
    expect(config.azure.subscriptions).toHaveLength(2);
  });

  it('an empty shard index from the environment is refused, not read as shard 0', () => {
    expect(() => validateConfig({}, 'test', { APIM_NETWATCH_SHARD_INDEX: '', APIM_NETWATCH_SHARD_COUNT: '3' })).toThrow(/APIM_NETWATCH_SHARD_INDEX is set but empty/);
    expect(validateConfig({}, 'test', { APIM_NETWATCH_SHARD_INDEX: '2', APIM_NETWATCH_SHARD_COUNT: '3' }).sharding).toEqual({ index: 2, count: 3 });
  });

  it('a missing file and invalid YAML are clear errors', () => {
    expect(() => loadConfig('/nonexistent/apim.yaml', {})).toThrow(/cannot read config file \/nonexistent\/apim.yaml/);
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-config-'));
    writeFileSync(join(dir, 'bad.yaml'), 'azure: [\n');
    expect(() => loadConfig(join(dir, 'bad.yaml'), {})).toThrow(/not valid YAML/);
  });

  it('the commented example config in the repo is valid', () => {
    const example = new URL('../config.example.yaml', import.meta.url);
    const config = validateConfig(parse(readFileSync(example, 'utf8')), 'config.example.yaml', {});
    expect(config.schedule).toBe('*/15 * * * *');
  });
});
