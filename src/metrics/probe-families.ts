import type { ProbeObservation } from '../analysis/probe-plan.js';
import type { FleetFamily, RowSink } from './family.js';
import type { InstanceReport } from '../analysis/report.js';

/** The families of what the gateway answered to connectivity checks (service/probes.ts); absent until probed. */

const PROBE_LABELS = ['dependency', 'endpoint', 'port', 'protocol', 'trigger'] as const;

function perProbe(instance: InstanceReport, emit: RowSink, value: (probe: ProbeObservation) => number | undefined): void {
  for (const probe of instance.probes ?? []) {
    const sample = value(probe);
    if (sample !== undefined) emit(probe.location, [probe.dependency, probe.address, String(probe.port), probe.protocol, probe.trigger], sample);
  }
}

/**
 * Written from the probes attached to the complete report (fleetWide), not as the poll judges each instance:
 * a probe's answer comes between polls, and the poll's own reports do not carry it.
 */
export const PROBE_FAMILIES: readonly FleetFamily[] = [
  {
    name: 'apim_network_probe_connected',
    help: "APIM's connectivity check from the gateway in this region to the endpoint: 1 connected or reachable, 0 disconnected; absent when never probed or Azure could not say. dependency is the dependency's name, or target for a configured target; trigger says why it ran (unknown: the route is unknown or at risk; target).",
    type: 'gauge',
    labelNames: PROBE_LABELS,
    rows: (instance, emit) => perProbe(instance, emit, (probe) => probe.connected),
    fleetWide: true,
  },
  {
    name: 'apim_network_probe_latency_seconds',
    help: "The connectivity check's average latency as Azure reported it, in seconds (absent when it reported none).",
    type: 'gauge',
    labelNames: PROBE_LABELS,
    rows: (instance, emit) => perProbe(instance, emit, (probe) => probe.latencySeconds),
    fleetWide: true,
  },
  {
    name: 'apim_network_probe_last_timestamp_seconds',
    help: 'When the connectivity check last answered, in seconds since the epoch.',
    type: 'gauge',
    labelNames: PROBE_LABELS,
    rows: (instance, emit) => perProbe(instance, emit, (probe) => probe.at / 1000),
    fleetWide: true,
  },
];
