import { createServer, type Server } from 'node:http';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Collects Alertmanager webhook notifications on 127.0.0.1. */
export class WebhookReceiver {
  readonly alerts: AlertmanagerAlert[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        try {
          const payload = JSON.parse(body) as { alerts: AlertmanagerAlert[] };
          this.alerts.push(...payload.alerts);
        } finally {
          response.writeHead(200).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/alerts`;
  }

  find(status: AlertmanagerAlert['status'], labels: Record<string, string>): AlertmanagerAlert | undefined {
    return this.alerts.find((alert) => alert.status === status && Object.entries(labels).every(([k, v]) => alert.labels[k] === v));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
