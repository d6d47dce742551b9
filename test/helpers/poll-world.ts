import pino from 'pino';
import { validateConfig } from '../../src/config/load.js';
import { Monitor } from '../../src/service/monitor.js';
import { DEMO_SUBSCRIPTIONS } from '../../src/simulator/demo-world.js';
import { startSimulator } from '../../src/simulator/server.js';
import type { World } from '../../src/simulator/world.js';
import { parseExposition } from './metrics.js';

/** One poll of a new monitor of `subscriptions` (default: the demo's), from a simulator serving `world` (closed afterwards). */
export async function pollWorld(world: World, resourceGraph = true, subscriptions: readonly string[] = DEMO_SUBSCRIPTIONS) {
  const simulator = await startSimulator({ world });
  try {
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...subscriptions], resourceGraph } }, 'test', {});
    const monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false });
    const report = (await monitor.poller.pollNow())!;
    return { report, samples: parseExposition(await monitor.fleetMetrics()), stats: monitor.lastCollectStats! };
  } finally {
    await simulator.close();
  }
}
