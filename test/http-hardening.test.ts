import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { createServer, SERVER_LIMITS, type HttpServer } from '../src/http/server.js';
import { NO_WEB_CONFIG } from '../src/http/web-config.js';
import { staticExposition } from '../src/metrics/exposition-body.js';
import { memoryLog } from './helpers/memory-log.js';
import { craftedReport } from './helpers/report.js';

/** A fleet body whose plain text trickles out: a client can hang up half-way, as a scrape timeout does. */
function slowBody() {
  const body = staticExposition('x 1\n');
  return {
    gzip: body.gzip,
    plain: () =>
      Readable.from(
        (async function* () {
          for (let i = 0; i < 50; i += 1) {
            yield Buffer.from(`apim_slow_series{i="${i}"} 1\n`.repeat(200));
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })(),
      ),
  };
}

describe('HTTP errors are handled inside the app', () => {
  const { log, lines } = memoryLog();
  let server: HttpServer;
  let base: string;
  let port: number;

  beforeAll(async () => {
    const app = createApp({ report: () => craftedReport('x'), fleetMetrics: slowBody, selfMetrics: async () => '', simulated: false, web: NO_WEB_CONFIG, log });
    server = createServer(app, NO_WEB_CONFIG);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('a path that does not decode: 400 as JSON, no stack, no file paths', async () => {
    const response = await fetch(`${base}/instances/%zz`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'BAD_REQUEST', message: 'the request could not be read (a path that does not decode?)' } });
    expect(text).not.toMatch(/node_modules|\bat \w|URIError/);
  });

  it.each([
    ['POST', '/metrics'],
    ['DELETE', '/api/v1/status'],
    ['PUT', '/'],
    ['POST', '/instances/x'],
  ])('%s %s: 405 with Allow', async (method, path) => {
    const response = await fetch(`${base}${path}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('a scrape aborted half-way is logged at debug, not as an error with a stack', async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n');
      });
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
    const debugLine = await new Promise<{ level: number; msg: string } | undefined>((resolve) => {
      const started = Date.now();
      const look = () => {
        const line = lines.find((entry) => entry.msg.startsWith('client closed the connection'));
        if (line || Date.now() - started > 5000) resolve(line);
        else setTimeout(look, 50);
      };
      look();
    });
    expect(debugLine?.level).toBe(20);
    expect(lines.filter((entry) => entry.level >= 50)).toEqual([]);
  });

  it('sets explicit server timeouts and a connection cap', () => {
    expect(server.headersTimeout).toBe(SERVER_LIMITS.headersTimeoutMs);
    expect(server.requestTimeout).toBe(SERVER_LIMITS.requestTimeoutMs);
    expect(server.keepAliveTimeout).toBe(SERVER_LIMITS.keepAliveTimeoutMs);
    expect(server.maxConnections).toBe(SERVER_LIMITS.maxConnections);
    expect(server.timeout).toBe(SERVER_LIMITS.socketIdleTimeoutMs);
  });
});
