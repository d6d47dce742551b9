import pino from 'pino';
import { ArmClients } from '../src/azure/clients.js';
import { SimulatorCredential } from '../src/azure/credentials.js';
import { ServiceTagsCache } from '../src/azure/service-tags-cache.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import { DEFAULT_STALE_AFTER_SECONDS } from '../src/analysis/staleness.js';
import { PreviousInstances } from '../src/model/previous-instances.js';
import type { FleetSnapshot } from '../src/model/snapshot.js';
import { Poll } from '../src/service/poll.js';
import { startSimulator } from '../src/simulator/server.js';
import type { World } from '../src/simulator/world.js';

/**
 * One poll's snapshot of a simulated world, read the way the monitor reads it (its Poll: SDK clients over HTTPS
 * against the in-process simulator, network configuration and service tags included), so that
 * analysis can be judged or timed on its own afterwards.
 */
export async function collectWorldSnapshot(world: World, subscriptions: readonly string[]): Promise<FleetSnapshot> {
  const simulator = await startSimulator({ world });
  try {
    const log = pino({ level: 'silent' });
    const clients = new ArmClients({ endpoint: simulator.url, credential: new SimulatorCredential(), caPem: simulator.caCertPem, maxRetries: 0 });
    const read = { clients, subscriptions, instances: [], tags: {}, concurrency: 32, resourceGraph: true, serviceTags: new ServiceTagsCache(clients, log), log };
    const policy = { staleAfterSeconds: DEFAULT_STALE_AFTER_SECONDS, paging: DEFAULT_PAGING_POLICY };
    return (await new Poll({ read, policy }, new PreviousInstances(undefined)).run()).snapshot;
  } finally {
    await simulator.close();
  }
}
