import { writeFileSync } from 'node:fs';
import { buildDemoWorld } from '../simulator/demo-world.js';
import { startSimulator } from '../simulator/server.js';
import { loadWorldFile } from '../simulator/world.js';
import { reportFatal } from './errors.js';
import { listenError, SIMULATE_LISTEN_SETTINGS } from './listen-error.js';
import { ERROR_CODES, UserError } from '../errors.js';

export interface SimulateOptions {
  world?: string;
  demo?: boolean;
  port: number;
  host: string;
  certOut?: string;
  certDir?: string;
  pageSize: number;
}

export async function runSimulate(options: SimulateOptions): Promise<number> {
  try {
    if (!options.world && !options.demo) throw new UserError(ERROR_CODES.USAGE, 'simulate needs --world FILE (a world file, JSON) or --demo (the built-in fleet)');
    const world = options.world ? await loadWorldFile(options.world) : buildDemoWorld(new Date());
    const simulator = await startSimulator({
      world,
      port: options.port,
      host: options.host,
      pageSize: options.pageSize,
      ...(options.certDir ? { certDir: options.certDir } : {}),
    }).catch((err: unknown) => {
      throw listenError(err, options.host, options.port, SIMULATE_LISTEN_SETTINGS);
    });
    if (options.certOut) writeFileSync(options.certOut, simulator.caCertPem);
    process.stdout.write(`ARM simulator listening on ${simulator.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    await simulator.close();
    return 0;
  } catch (err) {
    reportFatal(err);
    return 2;
  }
}
