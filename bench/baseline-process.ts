/**
 * The benchmark's baseline, in a process of its own: the fleet's series in a plain prom-client
 * registry, served by express the usual way (`registry.metrics()` per scrape). Apart, so that its
 * registry (hundreds of MB at fleet size) neither counts in the monitor's RSS nor squeezes the
 * monitor's heap limit.
 *
 *   node bench/baseline-process.js --report FILE
 *
 * FILE: NDJSON, a first line `{ "unresolvedTargets": [...] }`, then one InstanceReport per line.
 * Prints one JSON line `{ url }` when listening; stops on SIGTERM or when its stdin closes (the
 * benchmark died).
 */
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import express from 'express';
import type { FleetReport, InstanceReport } from '../src/analysis/report.js';
import { buildPromClientRegistry } from '../synthetic/prom-client-baseline.js';

const { values } = parseArgs({ options: { report: { type: 'string' } } });
if (!values.report) throw new Error('--report FILE is required');

async function readReport(file: string): Promise<Pick<FleetReport, 'instances' | 'unresolvedTargets'>> {
  let unresolvedTargets: FleetReport['unresolvedTargets'] | undefined;
  const instances: InstanceReport[] = [];
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    if (!line) continue;
    if (unresolvedTargets === undefined) unresolvedTargets = (JSON.parse(line) as Pick<FleetReport, 'unresolvedTargets'>).unresolvedTargets;
    else instances.push(JSON.parse(line) as InstanceReport);
  }
  return { instances, unresolvedTargets: unresolvedTargets ?? [] };
}

const registry = buildPromClientRegistry((await readReport(values.report)) as FleetReport);
const app = express();
app.get('/metrics', async (_req, res) => {
  res.type(registry.contentType).send(await registry.metrics());
});
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` })}\n`);
const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.stdin.on('end', stop).resume();
