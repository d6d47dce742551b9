import { request } from 'node:https';
import type { Monitor } from '../src/service/monitor.js';
import { fnv1a } from '../src/model/fnv1a.js';

/**
 * How soon the configuration watch shows a breaking change: deny rules on outbound Sql 1433 are written
 * into NSGs of the simulated fleet (the simulator's `PUT /_simulator/resource`, as an ARM write) at
 * random points of the watch's cycle, and each is timed until the monitor's `/metrics` exposition
 * shows the flow denied by that rule. Also what the watch costs at rest: its Resource Graph requests
 * per run, and so per minute.
 */

export interface DetectionOptions {
  monitor: Monitor;
  simulator: { url: string; caCertPem: string };
  changes: number;
  intervalSeconds: number;
  say: (line: string) => void;
}

export interface Detection {
  detectSeconds: number[];
  requestsPerRun: number;
  requestsPerMinute: number;
  /**
   * Reads the whole exposition /metrics serves and fails unless every rule written is in it. Timing
   * waits for the report and for a new publication of the exposition; this reads its 72 MB of text,
   * so the benchmark calls it after taking the peak RSS, which it would otherwise inflate.
   */
  verify(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function httpsJson(method: 'GET' | 'PUT', url: string, ca: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, ca, headers: { authorization: 'Bearer bench', ...(payload ? { 'content-type': 'application/json' } : {}) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        if ((response.statusCode ?? 500) >= 400) reject(new Error(`${method} ${url}: ${response.statusCode} ${text.slice(0, 200)}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A self-metric's value, summed over its series that carry `labels`. */
async function selfMetric(monitor: Monitor, name: string, labels: Record<string, string> = {}): Promise<number> {
  let sum = 0;
  for (const line of (await monitor.selfMetrics.render()).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Whether the exposition /metrics serves holds `needle`, read as a client that refuses gzip would get it:
 * inflated a chunk at a time, never whole (72 MB of text at fleet size would weigh on the RSS measured).
 */
async function servedHolds(monitor: Monitor, needle: string): Promise<boolean> {
  let tail = '';
  for await (const chunk of monitor.fleetBody().plain()) {
    const text = tail + (chunk as Buffer).toString('utf8');
    if (text.includes(needle)) return true;
    tail = text.slice(-needle.length);
  }
  return false;
}

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not within ${Math.round(timeoutMs / 1000)} s: ${what}`);
    await sleep(200);
  }
}

export async function measureDetection(options: DetectionOptions): Promise<Detection> {
  const { monitor, simulator, intervalSeconds, say } = options;
  const watch = monitor.watch;
  if (!watch) throw new Error('the monitor has no configuration watch (watch.enabled, readNetworkConfig and azure.resourceGraph are needed)');
  const timeoutMs = (3 * intervalSeconds + 60) * 1000;
  const graphQueries = () => selfMetric(monitor, 'apim_netwatch_arm_requests_total', { operation: 'Resources_Query' });
  const runs = () => selfMetric(monitor, 'apim_netwatch_watch_runs_total');

  // One run at rest: what the watch costs when nothing changed.
  const queriesBefore = await graphQueries();
  const allBefore = await selfMetric(monitor, 'apim_netwatch_arm_requests_total');
  const startedAt = performance.now();
  watch.start();
  await until(async () => (await runs()) >= 1, timeoutMs, 'a first watch run');
  const requestsPerRun = (await graphQueries()) - queriesBefore;
  const otherRequests = (await selfMetric(monitor, 'apim_netwatch_arm_requests_total')) - allBefore - requestsPerRun;
  say(`configuration watch: first run done ${((performance.now() - startedAt) / 1000 - intervalSeconds).toFixed(1)} s after it started, ${requestsPerRun} Resource Graph requests and ${otherRequests} other ARM requests`);

  const snapshot = monitor.poller.snapshot;
  const targets = (snapshot?.instances ?? []).filter((instance) => instance.network?.[0]?.subnet?.nsg);
  if (targets.length === 0) throw new Error('no instance with an NSG to change');
  const detectSeconds: number[] = [];
  const rules: string[] = [];
  for (let change = 0; change < options.changes; change++) {
    // Deterministic "random" points of the cycle and instances, so that runs compare.
    await sleep(((Math.imul(fnv1a(`wait:${change}`), 0x9e3779b1) >>> 0) / 2 ** 32) * intervalSeconds * 1000);
    const target = targets[fnv1a(`target:${change}`) % targets.length]!;
    const region = target.network![0]!;
    const nsgId = region.subnet!.nsg!.id;
    const rule = `DenySql-BENCH${change}`;
    const nsg = (await httpsJson('GET', `${simulator.url}${nsgId}?api-version=2024-05-01`, simulator.caCertPem)) as { properties: { securityRules: unknown[] } };
    nsg.properties.securityRules.push({
      name: rule,
      id: `${nsgId}/securityRules/${rule}`,
      type: 'Microsoft.Network/networkSecurityGroups/securityRules',
      properties: { protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '1433', sourceAddressPrefix: 'VirtualNetwork', destinationAddressPrefix: 'Sql', access: 'Deny', priority: 100, direction: 'Outbound' },
    });
    const servedBefore = await monitor.fleetBody().gzip();
    const written = performance.now();
    await httpsJson('PUT', `${simulator.url}/_simulator/resource`, simulator.caCertPem, nsg);
    // The report shows the rule, and /metrics serves a new publication (the watch publishes the report's series with it).
    const shown = () => monitor.report?.instances.find((instance) => instance.instance.id === target.instance.id)?.regions.some((r) => r.config?.flows.some((flow) => flow.decidedBy === rule));
    await until(async () => shown() === true && (await monitor.fleetBody().gzip()) !== servedBefore, timeoutMs, `${rule} shown`);
    rules.push(rule);
    const seconds = (performance.now() - written) / 1000;
    detectSeconds.push(seconds);
    say(`configuration watch: ${rule} on ${target.instance.name} (${region.location}) shown on /metrics ${seconds.toFixed(1)} s after the write`);
  }
  await watch.stop();
  const verify = async () => {
    for (const rule of rules) if (!(await servedHolds(monitor, `decided_by="${rule}"`))) throw new Error(`/metrics does not show ${rule}`);
  };
  return { detectSeconds, requestsPerRun, requestsPerMinute: (requestsPerRun * 60) / intervalSeconds, verify };
}
