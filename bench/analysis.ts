/**
 * `npm run bench:analysis [-- --instances N] [--rounds R] [--no-cache]`
 *
 * Times the per-region network-configuration judgement alone: reads a bench fleet (synthetic/fleet-world.ts,
 * default 1,000 instances x 2 regions) once through the real collection pipeline from the in-process
 * simulator (no latency), then runs `analyseInstance` over every instance R times and prints the time
 * per region of each round. The first round pays for cold caches (tag parsing, and the first sight of
 * each distinct NSG and route configuration); later rounds are what a steady-state poll costs, the
 * service-tag set being the same object from poll to poll. `--no-cache` judges every region afresh (no
 * AnalysisCache), to show what the cache buys.
 */
import { parseArgs } from 'node:util';
import { analyseInstance } from '../src/analysis/analyse.js';
import { AnalysisCaches } from '../src/analysis/cache.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import { DEFAULT_STALE_AFTER_SECONDS } from '../src/analysis/staleness.js';
import { collectWorldSnapshot } from '../synthetic/world-snapshot.js';
import { buildFleetWorld } from '../synthetic/fleet-world.js';

const { values } = parseArgs({
  options: { instances: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '5' }, 'no-cache': { type: 'boolean', default: false } },
});
const instances = Number(values.instances);
const rounds = Number(values.rounds);

const fleet = buildFleetWorld({ instances, subscriptions: 20 });
const snapshot = await collectWorldSnapshot(fleet.world, fleet.subscriptionIds);
const policy = { staleAfterSeconds: DEFAULT_STALE_AFTER_SECONDS, paging: DEFAULT_PAGING_POLICY, ...(values['no-cache'] ? {} : { caches: new AnalysisCaches() }) };
const regions = snapshot.instances.reduce((sum, instance) => sum + (instance.network?.length ?? 0), 0);
console.log(`${snapshot.instances.length} instances, ${regions} regions with network configuration`);

const perRegion: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const started = performance.now();
  for (const instance of snapshot.instances) analyseInstance(instance, snapshot.takenAt, policy, snapshot.serviceTags);
  const ms = performance.now() - started;
  perRegion.push(ms / regions);
  console.log(`round ${round}: ${ms.toFixed(0)} ms, ${(ms / regions).toFixed(3)} ms per region`);
}
const steady = perRegion.slice(1).sort((a, b) => a - b);
console.log(`median after the first round: ${(steady[Math.floor(steady.length / 2)] ?? perRegion[0]!).toFixed(3)} ms per region`);
