import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startService, type RunningService } from '../src/cli/serve.js';
import { createApp } from '../src/http/app.js';
import { createServer, listen, type HttpServer } from '../src/http/server.js';
import { loadWebConfig } from '../src/http/web-config.js';
import { runCli } from './helpers/processes.js';
import { staticExposition } from '../src/metrics/exposition-body.js';

/** The exporter-toolkit style web config: HTTPS, basic auth (bcrypt), bearer tokens, open probes. */

interface Pair {
  cert: string;
  key: string;
}

async function certificate(commonName: string, usage: 'serverAuth' | 'clientAuth'): Promise<Pair> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 3600_000),
    notAfterDate: new Date(now + 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', [usage]: true },
      ...(usage === 'serverAuth' ? [{ name: 'subjectAltName' as const, altNames: [{ type: 7 as const, ip: '127.0.0.1' }] }] : []),
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, options: { ca?: string; headers?: Record<string, string>; client?: Pair } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: options.headers ?? {},
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
        agent: false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const TOKEN = 'tok-0123456789abcdef0123456789abcdef';
const PASSWORD = 'correct horse battery staple';

describe('serve with a web config: HTTPS, basic auth and bearer tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-web-'));
  let server: Pair;
  let service: RunningService;

  beforeAll(async () => {
    server = await certificate('localhost', 'serverAuth');
    writeFileSync(join(dir, 'cert.pem'), server.cert);
    writeFileSync(join(dir, 'key.pem'), server.key, { mode: 0o600 });
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'web.yaml'),
      stringify({
        // relative paths: relative to the web config file, as in exporter-toolkit
        tls_server_config: { cert_file: 'cert.pem', key_file: join(dir, 'key.pem'), min_version: 'TLS12' },
        basic_auth_users: { prometheus: bcrypt.hashSync(PASSWORD, 4).replace(/^\$2b\$/, '$2y$') },
        bearer_tokens: [{ token_file: 'token' }],
      }),
    );
    process.env.APIM_NETWATCH_LOG_LEVEL = 'silent';
    service = await startService({ demo: true, port: 0, webConfigFile: join(dir, 'web.yaml') });
    for (let attempt = 0; attempt < 200; attempt++) {
      if ((await get(service.port, '/readyz', { ca: server.cert })).status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('never ready');
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    delete process.env.APIM_NETWATCH_LOG_LEVEL;
  });

  it('serves HTTPS with the configured certificate (verified against it), and no plain HTTP', async () => {
    expect((await get(service.port, '/healthz', { ca: server.cert })).status).toBe(200);
    await expect(get(service.port, '/healthz')).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    await expect(fetch(`http://127.0.0.1:${service.port}/healthz`)).rejects.toThrow();
  });

  it('leaves the probes open', async () => {
    expect((await get(service.port, '/healthz', { ca: server.cert })).body).toBe('ok\n');
    expect((await get(service.port, '/readyz', { ca: server.cert })).status).toBe(200);
  });

  it.each(['/metrics', '/', '/api/v1/status', '/instances/x', '/nope'])('%s needs credentials: 401 with a Basic challenge', async (path) => {
    const answer = await get(service.port, path, { ca: server.cert });
    expect(answer.status).toBe(401);
    expect(String(answer.headers['www-authenticate'])).toContain('Basic realm="apim-netwatch"');
    expect(answer.body).not.toContain('apim_network');
  });

  it('basic auth: the right password passes (twice: the second from the cache), a wrong one or user does not', async () => {
    const ok = await get(service.port, '/metrics', { ca: server.cert, headers: basic('prometheus', PASSWORD) });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('apim_network_endpoint_up');
    expect((await get(service.port, '/', { ca: server.cert, headers: basic('prometheus', PASSWORD) })).status).toBe(200);
    const wrong = await get(service.port, '/metrics', { ca: server.cert, headers: basic('prometheus', 'wrong') });
    expect(wrong.status).toBe(401);
    expect(wrong.body).not.toContain('wrong');
    expect((await get(service.port, '/metrics', { ca: server.cert, headers: basic('someone', PASSWORD) })).status).toBe(401);
    expect((await get(service.port, '/metrics', { ca: server.cert, headers: { authorization: 'Basic !!!' } })).status).toBe(401);
  });

  it('bearer tokens: the token of the file passes, another does not', async () => {
    const ok = await get(service.port, '/api/v1/status', { ca: server.cert, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ simulated: true });
    expect((await get(service.port, '/api/v1/status', { ca: server.cert, headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await get(service.port, '/api/v1/status', { ca: server.cert, headers: { authorization: `Bearer ` } })).status).toBe(401);
  });
});

describe('client certificates (client_ca_file)', () => {
  let server: Pair;
  let client: Pair;
  let stranger: Pair;
  let http: HttpServer;
  let port: number;

  beforeAll(async () => {
    [server, client, stranger] = await Promise.all([certificate('localhost', 'serverAuth'), certificate('scraper', 'clientAuth'), certificate('stranger', 'clientAuth')]);
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-mtls-'));
    writeFileSync(join(dir, 'cert.pem'), server.cert);
    writeFileSync(join(dir, 'key.pem'), server.key);
    writeFileSync(join(dir, 'ca.pem'), client.cert);
    writeFileSync(join(dir, 'web.yaml'), stringify({ tls_server_config: { cert_file: 'cert.pem', key_file: 'key.pem', client_ca_file: 'ca.pem' } }));
    const web = loadWebConfig(join(dir, 'web.yaml'));
    const app = createApp({ report: () => undefined, fleetMetrics: () => staticExposition(''), selfMetrics: async () => '', simulated: false, web });
    http = createServer(app, web);
    port = await listen(http, 0, '127.0.0.1');
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  it('RequireAndVerifyClientCert (the default with a client CA): a signed client passes, none or a stranger does not', async () => {
    expect((await get(port, '/healthz', { ca: server.cert, client })).status).toBe(200);
    await expect(get(port, '/healthz', { ca: server.cert })).rejects.toThrow();
    await expect(get(port, '/healthz', { ca: server.cert, client: stranger })).rejects.toThrow();
    expect((http.address() as AddressInfo).port).toBe(port);
  });
});

describe('invalid web configs: clear errors naming the key, no secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-badweb-'));
  const write = (name: string, content: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : stringify(content));
    return file;
  };

  it.each([
    [{ basic_auth_users: { alice: 'plain-text-password' } }, /basic_auth_users\.alice: expected a bcrypt hash/],
    [{ tls_server_config: { cert: 'x.pem', key_file: 'k.pem' } }, /tls_server_config\.cert_file|tls_server_config: unknown key\(s\) "cert"/],
    [{ tls_server_config: { cert_file: 'missing.pem', key_file: 'k.pem' } }, /tls_server_config\.cert_file: cannot read .*missing\.pem: ENOENT/],
    [{ tls_server_config: { cert_file: 'a', key_file: 'b', min_version: 'TLS10' } }, /tls_server_config\.min_version: expected TLS12 or TLS13/],
    [{ tls_server_config: { cert_file: 'a', key_file: 'b', client_auth_type: 'RequireAndVerifyClientCert' } }, /client_auth_type: RequireAndVerifyClientCert needs tls_server_config\.client_ca_file/],
    [{ bearer_tokens: [{ token_file: 'nope' }] }, /bearer_tokens\.0\.token_file: cannot read/],
    [{ bearer_tokens: ['inline-token-value'] }, /bearer_tokens\.0: /],
    [{ basic_auth_user: {} }, /unknown key\(s\) "basic_auth_user"/],
    ['tls_server_config: [unclosed', /is not valid YAML/],
  ])('%j', (content, message) => {
    const file = write('web.yaml', content);
    expect(() => loadWebConfig(file)).toThrow(message);
    try {
      loadWebConfig(file);
    } catch (err) {
      expect((err as Error).message).not.toContain('plain-text-password');
      expect((err as Error).message).not.toContain('inline-token-value');
    }
  });

  it('a short token is refused without printing it', () => {
    writeFileSync(join(dir, 'short'), 'abc123\n');
    const file = write('short.yaml', { bearer_tokens: [{ token_file: 'short' }] });
    expect(() => loadWebConfig(file)).toThrow(/bearer_tokens\.0\.token_file: the token is empty or shorter than 16 characters/);
  });

  it('serve --web.config.file with a broken file exits 2 naming the key; server.webConfigFile works too', async () => {
    const bad = write('bad.yaml', { basic_auth_users: { alice: 'hunter2' } });
    const result = await runCli(['serve', '--demo', '--port', '0', '--web.config.file', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('basic_auth_users.alice');
    expect(result.stderr).not.toContain('hunter2');
    const config = write('config.yaml', { server: { webConfigFile: bad } });
    await expect(startService({ config, port: 0 })).rejects.toThrow(/basic_auth_users\.alice/);
  }, 60_000);
});
