/** Connectivity checks asked of APIM's gateways, and their answers (src/analysis/probe-plan.ts plans them). */

/** Why a probe ran: a route the configuration cannot judge (`unknown`), or a configured target (`target`). */
export type ProbeTrigger = 'unknown' | 'target';

/** One connectivity check to ask the gateway for; `probeKey` (src/analysis/probe-plan.ts) says which asks are the same. */
export interface ProbeRequest {
  apimId: string;
  subscriptionId: string;
  /** The gateway region, as the report names it (`location`). */
  location: string;
  /** The dependency name, or `target` for a configured target. */
  dependency: string;
  address: string;
  port: number;
  protocol: 'tcp' | 'http' | 'https';
  trigger: ProbeTrigger;
}

/** What the gateway answered for one probe, as the metrics show it. */
export interface ProbeObservation extends ProbeRequest {
  /** 1 connected or reachable, 0 disconnected; absent when Azure could not say (Unknown). */
  connected?: 0 | 1;
  latencySeconds?: number;
  /** Epoch milliseconds of the answer. */
  at: number;
}
