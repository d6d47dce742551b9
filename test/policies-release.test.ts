import { getEventListeners, once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createDefaultHttpClient, createEmptyPipeline, createPipelineRequest, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { extraCaPolicy, timeoutPolicy } from '../src/azure/policies.js';
import { selfSignedCertificate } from '../src/simulator/tls.js';

/**
 * An ARM request that ends, however it ends (answered, timed out, aborted at shutdown), leaves no timer
 * and no socket behind: either would keep a stopping process alive. Requests go through the SDK's own
 * HTTP client to an HTTPS server on 127.0.0.1 that never answers `/hang`.
 */
let server: Server;
let origin: string;
let caPem: string;
/** Resolves with the server's socket of the next request to `/hang`. */
let nextHang: Promise<Socket>;
let hangArrived: (socket: Socket) => void;
const openSockets = new Set<Socket>();

function expectHang(): void {
  nextHang = new Promise((resolve) => (hangArrived = resolve));
}

beforeAll(async () => {
  const { certPem, keyPem } = await selfSignedCertificate();
  caPem = certPem;
  server = createServer({ cert: certPem, key: keyPem, keepAliveTimeout: 60_000 }, (request, response) => {
    if (request.url === '/hang') return hangArrived(request.socket);
    response.end('{}');
  });
  server.on('secureConnection', (socket: Socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  vi.useRealTimers();
});

function send(path: string, policies: PipelinePolicy[], abortSignal?: AbortSignal) {
  const pipeline = createEmptyPipeline();
  for (const policy of policies) pipeline.addPolicy(policy);
  const request = createPipelineRequest({ url: `${origin}${path}`, ...(abortSignal ? { abortSignal } : {}) });
  return { request, response: pipeline.sendRequest(createDefaultHttpClient(), request) };
}

/** Whether `socket` closes within a second of real time (the server would keep it a minute); called after the timer checks. */
async function closes(socket: Socket): Promise<boolean> {
  vi.useRealTimers();
  if (socket.destroyed) return true;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1_000)));
  const closedInTime = await Promise.race([once(socket, 'close').then(() => true), gaveUp]);
  clearTimeout(timer);
  return closedInTime;
}

describe('timeoutPolicy: the attempt timer never outlives the attempt', () => {
  it('a request aborted at shutdown: rejected as an abort at once, its timer cleared, its socket closed, no listener left', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expectHang();
    const shutdown = new AbortController();
    const { request, response } = send('/hang', [timeoutPolicy(30_000), extraCaPolicy(origin, caPem)], shutdown.signal);
    const serverSide = await nextHang;
    shutdown.abort();
    await expect(response).rejects.toMatchObject({ name: 'AbortError' });
    expect(vi.getTimerCount()).toBe(0);
    expect(await closes(serverSide)).toBe(true);
    expect(request.abortSignal).toBe(shutdown.signal);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('a request that outlives its attempt time fails as ETIMEDOUT (retried by the SDK), its timer gone, its socket closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expectHang();
    const { response } = send('/hang', [timeoutPolicy(5_000), extraCaPolicy(origin, caPem)]);
    const serverSide = await nextHang;
    vi.advanceTimersByTime(5_000);
    await expect(response).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'ARM did not answer within 5000 ms (azure.requestTimeoutSeconds)' });
    expect(vi.getTimerCount()).toBe(0);
    expect(await closes(serverSide)).toBe(true);
  });

  it('an answered request leaves no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { response } = send('/ok', [timeoutPolicy(30_000), extraCaPolicy(origin, caPem)]);
    expect((await response).status).toBe(200);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('extraCaPolicy: close() releases its connection pool', () => {
  it('an idle keep-alive connection is closed by close(), not left to the server', async () => {
    const policy = extraCaPolicy(origin, caPem);
    const before = new Set(openSockets);
    expect((await send('/ok', [policy]).response).status).toBe(200);
    const kept = [...openSockets].filter((socket) => !before.has(socket));
    expect(kept).toHaveLength(1);
    policy.close();
    expect(await closes(kept[0]!)).toBe(true);
  });
});
