import pino from 'pino';
import { ArmClients } from '../src/azure/clients.js';
import { collectSnapshot } from '../src/azure/collect.js';
import { SimulatorCredential } from '../src/azure/credentials.js';
import { ServiceTagsCache } from '../src/azure/service-tags-cache.js';
import type { FleetSnapshot } from '../src/model/snapshot.js';
import { startSimulator } from '../src/simulator/server.js';
import type { World } from '../src/simulator/world.js';

/**
 * One poll's snapshot of a simulated world, read the way the monitor reads it (SDK clients over HTTPS
 * against the in-process simulator, network configuration and service tags included), so that
 * analysis can be judged or timed on its own afterwards.
 */
export async function collectWorldSnapshot(world: World, subscriptions: readonly string[]): Promise<FleetSnapshot> {
  const simulator = await startSimulator({ world });
  try {
    const log = pino({ level: 'silent' });
    const clients = new ArmClients({ endpoint: simulator.url, credential: new SimulatorCredential(), caPem: simulator.caCertPem, maxRetries: 0 });
    return await collectSnapshot({
      clients,
      subscriptions,
      instances: [],
      tags: {},
      concurrency: 32,
      resourceGraph: true,
      serviceTags: new ServiceTagsCache(clients, log),
      log,
    });
  } finally {
    await simulator.close();
  }
}
