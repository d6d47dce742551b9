import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { Registry } from 'prom-client';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { staticExposition } from '../src/metrics/exposition-body.js';
import { keepFamilies } from '../src/metrics/family-filter.js';
import { remoteWriteAuth, type RemoteWriteConfig } from '../src/remote-write/config.js';
import { parseSampleLine } from '../src/remote-write/parse.js';
import { decodeWriteRequest, type TimeSeries } from '../src/remote-write/protocol.js';
import { RemoteWriter } from '../src/remote-write/writer.js';

/** A receiver of our own on 127.0.0.1 that answers each request with the next status of `statuses` (then 204). */
class Receiver {
  readonly requests: Array<{ headers: IncomingHttpHeaders; series: TimeSeries[] }> = [];
  private readonly server: Server;
  constructor(private readonly statuses: number[] = []) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, series: decodeWriteRequest(Buffer.concat(chunks)) });
        const status = this.statuses.shift() ?? 204;
        res.writeHead(status, status === 429 ? { 'Retry-After': '0' } : {}).end(status >= 400 ? 'refused for the test' : '');
      });
    });
  }
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}/api/v1/write`;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const FLEET = [
  '# HELP apim_network_dependency_up Worst status.',
  '# TYPE apim_network_dependency_up gauge',
  'apim_network_dependency_up{subscription_id="s",resource_group="rg",apim_service="a",location="westeurope",dependency="sql",required="true"} 1',
  'apim_network_dependency_up{subscription_id="s",resource_group="rg",apim_service="a",location="northeurope",dependency="sql",required="true"} 0',
  'apim_network_dependency_up{subscription_id="s",resource_group="rg",apim_service="b",location="westeurope",dependency="storage",required="true"} 1',
  '',
].join('\n');
const OWN = '# HELP apim_netwatch_poll_duration_seconds x\n# TYPE apim_netwatch_poll_duration_seconds gauge\napim_netwatch_poll_duration_seconds 2.5\n';

class FixedCredential implements TokenCredential {
  readonly scopes: string[] = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...[scopes].flat());
    return { token: 'entra-token-for-test', expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of running.splice(0)) await thing.stop();
});

function remoteConfig(remoteWrite: Record<string, unknown>): RemoteWriteConfig & { url: string } {
  const config = validateConfig({ remoteWrite }, 'test', {}).remoteWrite;
  return { ...config, url: config.url! };
}

async function writer(statuses: number[], remoteWrite: Record<string, unknown> = {}, credential?: TokenCredential) {
  const receiver = new Receiver(statuses);
  running.push(receiver);
  const url = await receiver.start();
  const registry = new Registry();
  const push = new RemoteWriter({
    config: remoteConfig({ url, maxSamplesPerRequest: 2, maxRetries: 2, ...remoteWrite }),
    ...(credential ? { credential } : {}),
    registry,
    source: { fleet: () => staticExposition(FLEET), own: async () => OWN },
    log: pino({ level: 'silent' }),
    instance: 'test-host',
    backoffMs: { min: 1, max: 5 },
  });
  running.push(push);
  return { receiver, push, registry, url };
}

describe('remote-write', () => {
  it('pushes every sample of /metrics in batches, with the protocol headers, job and instance, labels sorted', async () => {
    const { receiver, push, registry } = await writer([]);
    expect(await push.push()).toBe('success');
    expect(receiver.requests).toHaveLength(2);
    const { headers } = receiver.requests[0]!;
    expect(headers['content-encoding']).toBe('snappy');
    expect(headers['content-type']).toBe('application/x-protobuf');
    expect(headers['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(headers.authorization).toBeUndefined();
    const series = receiver.requests.flatMap((request) => request.series);
    expect(series).toHaveLength(4);
    const first = series[0]!;
    expect(first.labels.map((label) => label.name)).toEqual(['__name__', 'apim_service', 'dependency', 'instance', 'job', 'location', 'required', 'resource_group', 'subscription_id']);
    expect(first.labels.find((label) => label.name === 'job')?.value).toBe('apim-netwatch');
    expect(first.labels.find((label) => label.name === 'instance')?.value).toBe('test-host');
    expect(series.map((s) => s.samples[0]!.value)).toEqual([1, 0, 1, 2.5]);
    expect(new Set(series.map((s) => s.samples[0]!.timestamp)).size).toBe(1);
    const text = await registry.metrics();
    expect(text).toContain('apim_netwatch_remote_write_requests_total{code="204"} 2');
    expect(text).toContain('apim_netwatch_remote_write_samples_total{outcome="sent"} 4');
    expect(text).toMatch(/^apim_netwatch_remote_write_last_success_timestamp_seconds [1-9]/m);
  });

  it('retries a 5xx and a 429, and counts each attempt by code', async () => {
    const { receiver, push, registry } = await writer([500, 429]);
    expect(await push.push()).toBe('success');
    expect(receiver.requests).toHaveLength(4);
    const text = await registry.metrics();
    expect(text).toContain('apim_netwatch_remote_write_requests_total{code="500"} 1');
    expect(text).toContain('apim_netwatch_remote_write_requests_total{code="429"} 1');
    expect(text).toContain('apim_netwatch_remote_write_requests_total{code="204"} 2');
  });

  it('never retries a 400: that batch fails, the others are sent (partial)', async () => {
    const { receiver, push, registry } = await writer([400]);
    expect(await push.push()).toBe('partial');
    expect(receiver.requests).toHaveLength(2);
    const text = await registry.metrics();
    expect(text).toContain('apim_netwatch_remote_write_samples_total{outcome="failed"} 2');
    expect(text).toContain('apim_netwatch_remote_write_pushes_total{outcome="partial"} 1');
  });

  it('a receiver that is down fails the push after the retries, counted, without throwing', async () => {
    const { push, registry, receiver } = await writer([]);
    await receiver.stop();
    running.splice(running.indexOf(receiver), 1);
    expect(await push.push()).toBe('failure');
    const text = await registry.metrics();
    expect(text).toContain('apim_netwatch_remote_write_requests_total{code="error"} 3');
    expect(text).toContain('apim_netwatch_remote_write_pushes_total{outcome="failure"} 1');
    expect(text).toMatch(/^apim_netwatch_remote_write_last_success_timestamp_seconds 0$/m);
  });

  it('sends an Entra ID token of the monitor\'s credential for Azure Monitor\'s ingestion scope', async () => {
    const credential = new FixedCredential();
    const { receiver, push } = await writer([], { entraId: { enabled: true } }, credential);
    expect(await push.push()).toBe('success');
    expect(receiver.requests[0]!.headers.authorization).toBe('Bearer entra-token-for-test');
    expect(credential.scopes[0]).toBe('https://monitor.azure.com//.default');
  });

  it('basic auth and a bearer token from files, read at each push; extra headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-rw-auth-'));
    writeFileSync(join(dir, 'password'), 's3cret\n');
    writeFileSync(join(dir, 'token'), 'tok-1\n');
    const basic = await writer([], { basicAuth: { username: 'me', passwordFile: join(dir, 'password') }, headers: { 'X-Scope-OrgID': 'team-a' } });
    await basic.push.push();
    expect(basic.receiver.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('me:s3cret').toString('base64')}`);
    expect(basic.receiver.requests[0]!.headers['x-scope-orgid']).toBe('team-a');
    const bearer = await writer([], { bearerTokenFile: join(dir, 'token') });
    await bearer.push.push();
    writeFileSync(join(dir, 'token'), 'tok-2\n');
    await bearer.push.push();
    expect(bearer.receiver.requests.map((request) => request.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2', 'Bearer tok-2']);
  });
});

describe('remote-write configuration', () => {
  const invalid = (remoteWrite: Record<string, unknown>) => () => validateConfig({ remoteWrite }, 'test.yaml', {});

  it('says what is wrong, naming the key', () => {
    expect(invalid({ url: 'ftp://x' })).toThrow(/remoteWrite\.url: expected an http:\/\/ or https:\/\/ URL/);
    expect(invalid({ url: 'http://127.0.0.1/w', intervalSeconds: 600 })).toThrow(/remoteWrite\.intervalSeconds: at most 240/);
    expect(invalid({ url: 'http://127.0.0.1/w', headers: { Authorization: 'x' } })).toThrow(/remoteWrite\.headers: these headers are set by the protocol/);
    expect(invalid({ url: 'http://127.0.0.1/w', bearerTokenFile: '/t', basicAuth: { username: 'u', passwordFile: '/p' } })).toThrow(/choose one authentication, not basicAuth and bearerTokenFile/);
    expect(invalid({ url: 'http://example.com/w', entraId: { enabled: true } })).toThrow(/remoteWrite\.url: an Entra ID token is sent over https:\/\/ only/);
    expect(invalid({ url: 'http://127.0.0.1/w', externalLabels: { 'bad-name': 'x' } })).toThrow(/remoteWrite\.externalLabels\.bad-name: expected a Prometheus label name/);
    expect(() => validateConfig({ metrics: { families: { deny: ['apim_(unclosed'] } } }, 'test.yaml', {})).toThrow(/metrics\.families\.deny\.0: expected a metric family name or a regular expression/);
  });

  it('turns Entra ID on by itself for an Azure Monitor ingestion URL, with the cloud\'s scope', () => {
    const dce = 'https://my-dce-abcd.westeurope-1.metrics.ingest.monitor.azure.com/dataCollectionRules/dcr-0123/streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=2023-04-24';
    expect(remoteWriteAuth(remoteConfig({ url: dce }))).toEqual({ kind: 'entra', scope: 'https://monitor.azure.com//.default' });
    expect(remoteWriteAuth(remoteConfig({ url: dce.replace('azure.com', 'azure.us') }))).toEqual({ kind: 'entra', scope: 'https://monitor.azure.us//.default' });
    expect(remoteWriteAuth(remoteConfig({ url: dce, entraId: { enabled: false } }))).toEqual({ kind: 'none' });
    expect(remoteWriteAuth(remoteConfig({ url: 'https://mimir.example/api/v1/push' }))).toEqual({ kind: 'none' });
    expect(validateConfig({}, 'defaults', {}).remoteWrite.url).toBeUndefined();
  });
});

describe('exposition lines and families', () => {
  it('parses escapes, special values and labels with braces or commas inside', () => {
    expect(parseSampleLine('m{a="x\\"y\\\\z\\nw",b="{,}"} -Inf')).toEqual({
      labels: [
        { name: '__name__', value: 'm' },
        { name: 'a', value: 'x"y\\z\nw' },
        { name: 'b', value: '{,}' },
      ],
      value: -Infinity,
    });
    expect(parseSampleLine('m NaN')!.value).toBeNaN();
    expect(parseSampleLine('m 1.5e3 1700000000000')!.value).toBe(1500);
    expect(parseSampleLine('# HELP m x')).toBeUndefined();
  });

  it('keepFamilies: allow and deny by name or whole-name regex, deny wins, histograms kept whole', () => {
    const text = [
      '# HELP a_total x', '# TYPE a_total counter', 'a_total 1',
      '# HELP h x', '# TYPE h histogram', 'h_bucket{le="1"} 1', 'h_sum 1', 'h_count 1',
      '# HELP b x', '# TYPE b gauge', 'b 2', '',
    ].join('\n');
    expect(keepFamilies(text, { allow: ['h', 'b'], deny: ['b'] })).toBe(['# HELP h x', '# TYPE h histogram', 'h_bucket{le="1"} 1', 'h_sum 1', 'h_count 1', ''].join('\n'));
    expect(keepFamilies(text, { allow: [], deny: ['a_.*'] })).not.toContain('a_total');
    // Whole names only: `a` matches no family here.
    expect(keepFamilies(text, { allow: [], deny: ['a'] })).toBe(text);
  });
});
