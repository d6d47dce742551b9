import { ERROR_CODES } from '../errors.js';
import { armClients } from '../service/arm-clients.js';
import { NO_OBSERVER } from '../azure/observer.js';
import { runConnectivityCheck, type ConnectivityCheckOutcome, type ProbeProtocol } from '../azure/connectivity-check.js';
import { probeVerdict, verdictText, type ProbeVerdict } from '../analysis/probe.js';
import { parseApimId } from '../model/ids.js';
import type { ArmClients } from '../azure/clients.js';
import { oneShotSetup, type Demo } from './demo.js';
import { reportFatal } from './errors.js';
import { EXIT_COULD_NOT_CHECK, EXIT_HEALTHY, EXIT_PAGING } from './exit-codes.js';

/** The code of a check that could not run (403, 429, deadline); the README's error table should list it (notes). */
export const PROBE_FAILED_CODE = ERROR_CODES.PROBE_FAILED;

export interface ProbeOptions {
  instance: string;
  region?: string;
  address: string;
  port: number;
  protocol?: 'tcp' | 'http' | 'https';
  config?: string;
  demo?: boolean;
  output: 'table' | 'json';
  /** Tests: the whole check's deadline (default 120 s). */
  deadlineMs?: number;
}

class ProbeFailure extends Error {}

/** The instance's primary region, when --region is not given. */
async function primaryRegion(clients: ArmClients, instance: string): Promise<string> {
  const ref = parseApimId(instance);
  try {
    const service = await clients.apiManagement(ref.subscriptionId).apiManagementService.get(ref.resourceGroup, ref.name);
    return service.location;
  } catch (err) {
    const e = err as { statusCode?: number; message?: string };
    if (e.statusCode === undefined) throw err;
    throw new ProbeFailure(`cannot read the instance to find its primary region (${e.statusCode}): ${(e.message ?? '').split('\n', 1)[0]}; give --region`);
  }
}

function render(options: ProbeOptions, region: string, outcome: ConnectivityCheckOutcome & { ok: true }, verdict: ProbeVerdict): string {
  const protocol = (options.protocol ?? 'tcp').toUpperCase();
  if (options.output === 'json') {
    const { state, ...rest } = verdict;
    return `${JSON.stringify({ instance: options.instance, region, address: options.address, port: options.port, protocol, state, ...rest, seconds: outcome.seconds, response: outcome.response }, null, 2)}\n`;
  }
  return [
    `instance     ${options.instance}`,
    `from region  ${region}`,
    `destination  ${options.address}:${options.port} (${protocol})`,
    `result       ${verdictText(verdict)}`,
    '',
  ].join('\n');
}

/** One connectivity check from the gateway; exit 0 connected, 1 disconnected, 2 could not check (or Azure's answer is Unknown). */
export async function runProbe(options: ProbeOptions): Promise<number> {
  let demo: Demo | undefined;
  const shutdown = new AbortController();
  let clients: ArmClients | undefined;
  try {
    const setup = await oneShotSetup(options);
    const { config, log } = setup;
    demo = setup.demo;
    parseApimId(options.instance);
    clients = armClients(config, { log, ...(demo ? { caPem: demo.simulator.caCertPem } : {}) }, NO_OBSERVER, shutdown.signal);
    const region = options.region ?? (await primaryRegion(clients, options.instance));
    const protocol = options.protocol ? (options.protocol.toUpperCase() as ProbeProtocol) : undefined;
    const outcome = await runConnectivityCheck(
      clients,
      { apimId: options.instance, region, address: options.address, port: options.port, ...(protocol ? { protocol } : {}) },
      options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {},
    );
    if (!outcome.ok) {
      process.stderr.write(`apim-netwatch: ${outcome.failure.message} [${PROBE_FAILED_CODE}]\n`);
      return EXIT_COULD_NOT_CHECK;
    }
    const verdict = probeVerdict(outcome.response);
    process.stdout.write(render(options, region, outcome, verdict));
    // Unknown: Azure ran the check but could not tell, which is not "not connected".
    return verdict.state === 'connected' ? EXIT_HEALTHY : verdict.state === 'disconnected' ? EXIT_PAGING : EXIT_COULD_NOT_CHECK;
  } catch (err) {
    if (err instanceof ProbeFailure) {
      process.stderr.write(`apim-netwatch: ${err.message} [${PROBE_FAILED_CODE}]\n`);
      return EXIT_COULD_NOT_CHECK;
    }
    reportFatal(err);
    return EXIT_COULD_NOT_CHECK;
  } finally {
    shutdown.abort();
    clients?.close();
    await demo?.stop();
  }
}
