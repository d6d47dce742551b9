import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { armRoutes } from './handlers/arm.js';
import { controlRoutes } from './handlers/control.js';
import { SimulatorState } from './handlers/state.js';
import type { LatencyOptions } from './handlers/arm.js';
import type { ThrottleOptions } from './handlers/throttle.js';
import { loadCertificate } from './tls.js';
import type { Fault, World } from './world.js';

export type { ThrottleOptions } from './handlers/throttle.js';
export type { LatencyOptions } from './handlers/arm.js';

export interface SimulatorOptions {
  world: World;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Directory with cert.pem + key.pem; missing files are generated there. Without it, a self-signed pair per process. */
  certDir?: string;
  /** Items per list page (default 100). */
  pageSize?: number;
  /** ARM's per-subscription token bucket; off when absent. */
  throttle?: ThrottleOptions;
  /** ARM-like latency: every ARM answer waits a uniform draw in [minMs, maxMs]; none when absent. */
  latency?: LatencyOptions;
}

export interface RunningSimulator {
  /** `https://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The certificate the server presents; it is its own CA: trust exactly this. */
  caCertPem: string;
  /** The current world (faults with their remaining counts). */
  readonly world: World;
  setWorld(w: World): void;
  setFaults(f: Fault[]): void;
  /** ARM requests served so far (control endpoints not counted). */
  requestCount(): number;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const { certPem, keyPem } = await loadCertificate(opts.certDir);
  const state = new SimulatorState(opts.world);
  const closing = new AbortController();
  // Every pending latency or fault delay listens to it: thousands at once on a large fleet.
  setMaxListeners(0, closing.signal);
  let origin = '';

  const app = express();
  app.disable('x-powered-by');
  // ETags would hash every body (worlds can be tens of MB) for no client that uses them.
  app.set('etag', false);
  app.use(
    '/_simulator',
    controlRoutes({ state, setWorld: (w) => state.setWorld(w), setFaults: (f) => state.setFaults(f) }),
  );
  app.use(
    armRoutes({
      state,
      pageSize: opts.pageSize ?? 100,
      get origin() {
        return origin;
      },
      throttle: opts.throttle,
      ...(opts.latency ? { latency: opts.latency } : {}),
      closing: closing.signal,
    }),
  );

  const server: Server = createServer({ cert: certPem, key: keyPem }, app);
  // A bad TLS handshake or a reset socket must not take the process down.
  server.on('tlsClientError', () => {});
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  origin = `https://${urlHost(host)}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: origin,
    port,
    caCertPem: certPem,
    get world() {
      return state.world;
    },
    setWorld: (w) => state.setWorld(w),
    setFaults: (f) => state.setFaults(f),
    requestCount: () => state.requests,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive clients would otherwise hold close() open until their idle timeout.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
