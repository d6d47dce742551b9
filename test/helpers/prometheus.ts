import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, waitFor } from './ports.js';

/** A real Debian `prometheus` or `prometheus-alertmanager` process on 127.0.0.1, stopped by `stop()`. */
export interface Daemon {
  url: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

function startDaemon(binary: string, args: string[], url: string, port: number): Promise<Daemon> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const daemon: Daemon = {
    url,
    port,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  return waitFor(`${binary} to be ready`, async () => {
    if (child.exitCode !== null) throw new Error(`${binary} exited: ${output}`);
    const response = await fetch(`${url}/-/ready`);
    return response.ok ? daemon : undefined;
  }).catch(async (err: unknown) => {
    await daemon.stop();
    throw err;
  });
}

export interface PrometheusOptions {
  scrapeTargets: string[];
  ruleFiles: string[];
  alertmanagerUrl?: string;
  intervalSeconds?: number;
  /** `--web.enable-remote-write-receiver`: POST /api/v1/write takes what a remote-write client pushes. */
  remoteWriteReceiver?: boolean;
}

export async function startPrometheus(options: PrometheusOptions): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-prom-'));
  const port = await freePort();
  const interval = `${options.intervalSeconds ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles,
    scrape_configs: [{ job_name: 'apim-netwatch', static_configs: [{ targets: options.scrapeTargets }] }],
    ...(options.alertmanagerUrl
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(options.alertmanagerUrl).host] }] }] } }
      : {}),
  };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const url = `http://127.0.0.1:${port}`;
  return startDaemon(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--log.level=warn',
      ...(options.remoteWriteReceiver ? ['--web.enable-remote-write-receiver'] : []),
    ],
    url,
    port,
  );
}

/** Alertmanager's grouping delays: short by default, so that tests wait for their own subject only. */
export interface AlertmanagerTiming {
  groupWait: string;
  groupInterval: string;
}

export async function startAlertmanager(webhookUrl: string, timing: AlertmanagerTiming = { groupWait: '1s', groupInterval: '1s' }): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-am-'));
  const port = await freePort();
  const config = {
    route: { receiver: 'test', group_by: ['alertname', 'apim_service', 'location', 'dependency'], group_wait: timing.groupWait, group_interval: timing.groupInterval, repeat_interval: '1h' },
    receivers: [{ name: 'test', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  };
  writeFileSync(join(dir, 'alertmanager.yml'), stringify(config));
  const url = `http://127.0.0.1:${port}`;
  return startDaemon(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    url,
    port,
  );
}

/** Runs an instant query; throws on a PromQL error (so a query that does not parse fails loudly). */
export async function instantQuery(prometheusUrl: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
  const result = body.data?.result;
  if (body.data?.resultType === 'scalar') return [{ metric: {}, value: result as [number, string] }];
  return result as Array<{ metric: Record<string, string>; value: [number, string] }>;
}
