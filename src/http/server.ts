import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Express } from 'express';
import type { WebConfig } from './web-config.js';

export type HttpServer = http.Server | https.Server;

/** HTTP, or HTTPS with the web config's certificate (and client CA), serving `app`. */
export function createServer(app: Express, web: WebConfig): HttpServer {
  if (!web.tls) return http.createServer(app);
  const tls = web.tls;
  const server = https.createServer(
    {
      cert: tls.cert,
      key: tls.key,
      minVersion: tls.minVersion,
      requestCert: tls.requestCert,
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca ? { ca: tls.ca } : {}),
    },
    app,
  );
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
