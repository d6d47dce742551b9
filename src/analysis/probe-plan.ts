import { hostOf, type Dependency } from './dependencies.js';
import { endpointPort } from './likely-cause.js';
import { pagesOn, type PagingPolicy } from './paging-policy.js';
import { shortRegion } from '../model/ids.js';
import type { FleetReport } from './report.js';
import type { ProbeRequest } from '../model/probe.js';

export type { ProbeObservation, ProbeRequest, ProbeTrigger } from '../model/probe.js';

/** The same check asked twice is one check: instance, region, address, port and protocol (case-insensitive). */
export const probeKey = (p: Pick<ProbeRequest, 'apimId' | 'location' | 'address' | 'port' | 'protocol'>): string =>
  [p.apimId, shortRegion(p.location), p.address, p.port, p.protocol].join('|').toLowerCase();

/**
 * The probes a report asks for: in each region, every paging dependency whose route is unknown or at risk
 * (a gateway's routes, an appliance, on-premises, a hub firewall: the configuration cannot show what that
 * device allows) gets its endpoints that page (host, and port by resource type) checked from the gateway.
 */
export function unknownRouteProbes(report: Pick<FleetReport, 'instances'>, paging: PagingPolicy): ProbeRequest[] {
  const wanted = new Map<string, ProbeRequest>();
  for (const instance of report.instances) {
    for (const region of instance.regions) {
      const unknown = new Set<Dependency>((region.config?.routes?.verdicts ?? []).filter((v) => v.unknown).map((v) => v.dependency));
      for (const endpoint of region.endpoints) {
        if (!unknown.has(endpoint.dependency) || !pagesOn(paging, endpoint.dependency, endpoint.required)) continue;
        const request: ProbeRequest = {
          apimId: instance.instance.id,
          subscriptionId: instance.instance.subscriptionId,
          location: region.location,
          dependency: endpoint.dependency,
          address: hostOf(endpoint.endpoint),
          port: endpointPort(endpoint),
          protocol: 'tcp',
          trigger: 'unknown',
        };
        wanted.set(probeKey(request), request);
      }
    }
  }
  return [...wanted.values()];
}
