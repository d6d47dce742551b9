/**
 * The benchmark's ARM, in a process of its own, as Azure is to a real monitor: its CPU (TLS, JSON,
 * latency timers) does not compete with the monitor's, and the monitor's RSS is its own.
 *
 *   tsx bench/simulator-process.ts --instances N --subscriptions S
 *
 * Prints one JSON line `{ url, caCertPem, subscriptionIds, regions, resources }` when listening; stops on SIGTERM
 * or when its stdin closes (the benchmark died).
 */
import { parseArgs } from 'node:util';
import { startSimulator } from '../src/simulator/server.js';
import { buildFleetWorld, LATENCY, THROTTLE } from '../synthetic/fleet-world.js';


const { values } = parseArgs({ options: { instances: { type: 'string' }, subscriptions: { type: 'string' } } });
const fleet = buildFleetWorld({ instances: Number(values.instances ?? 1000), subscriptions: Number(values.subscriptions ?? 20) });
const simulator = await startSimulator({ world: fleet.world, latency: LATENCY, throttle: THROTTLE });
process.stdout.write(
  `${JSON.stringify({ url: simulator.url, caCertPem: simulator.caCertPem, subscriptionIds: fleet.subscriptionIds, regions: fleet.regions, resources: fleet.world.resources.length })}\n`,
);
const stop = () => void simulator.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.stdin.on('end', stop).resume();
