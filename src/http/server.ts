import http from 'node:http';
import https from 'node:https';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { Express } from 'express';
import { closeApp } from './app.js';
import type { WebConfig } from './web-config.js';

export type HttpServer = http.Server | https.Server;

/**
 * Limits that Node leaves loose (README, "HTTP endpoints"): a client gets 10 s to send its headers and 30 s
 * for the whole request, an idle keep-alive connection is closed after 5 s, a socket with no traffic for
 * 60 s (a slow reader) is dropped, and at most 256 connections are open at once.
 */
export const SERVER_LIMITS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, socketIdleTimeoutMs: 60_000, maxConnections: 256 } as const;

function limited<T extends HttpServer>(server: T): T {
  server.headersTimeout = SERVER_LIMITS.headersTimeoutMs;
  server.requestTimeout = SERVER_LIMITS.requestTimeoutMs;
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveTimeoutMs;
  server.maxConnections = SERVER_LIMITS.maxConnections;
  server.setTimeout(SERVER_LIMITS.socketIdleTimeoutMs, (socket) => socket.destroy());
  return server;
}

/** HTTP, or HTTPS with the web config's certificate (and client CA), serving `app`. */
export function createServer(app: Express, web: WebConfig): HttpServer {
  const server = limited(createBareServer(app, web));
  // A closed server takes no more logins: its password-checking worker must not outlive it.
  server.once('close', () => void closeApp(app).catch(() => undefined));
  return server;
}

/** The certificate, key, client CA and minimum version: what a reload can swap on a listening server. */
export function secureContextOptions(tls: NonNullable<WebConfig['tls']>): SecureContextOptions {
  return { cert: tls.cert, key: tls.key, minVersion: tls.minVersion, ...(tls.ca ? { ca: tls.ca } : {}) };
}

function createBareServer(app: Express, web: WebConfig): HttpServer {
  if (!web.tls) return http.createServer(app);
  const tls = web.tls;
  const server = https.createServer({ ...secureContextOptions(tls), requestCert: tls.requestCert, rejectUnauthorized: tls.rejectUnauthorized }, app);
  if (tls.requestCert && !tls.rejectUnauthorized) {
    // VerifyClientCertIfGiven: no certificate is fine, an unverifiable one is not.
    server.on('secureConnection', (socket: TLSSocket) => {
      const peer = socket.getPeerCertificate();
      if (peer && Object.keys(peer).length > 0 && !socket.authorized) socket.destroy();
    });
  }
  return server;
}

/** Listens and resolves with the bound port (useful with port 0). */
export function listen(server: HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
