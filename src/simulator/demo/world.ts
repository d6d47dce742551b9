import type { ArmResource, World } from '../world.js';
import { DEMO_FLEET } from './fleet.js';
import { SUB_CONTOSO, SUB_FABRIKAM } from './identities.js';
import { NORTH_EUROPE, WEST_EUROPE } from './regions.js';
import { serviceTagsBody } from './service-tags.js';
import { subscriptionBody } from './subscriptions.js';

/** Builds the demo world; every timestamp is relative to `now`, so the same `now` gives the same world. */
export function buildDemoWorld(now: Date = new Date()): World {
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new Error('buildDemoWorld: `now` is not a valid date');
  const resources: ArmResource[] = [];
  const networkStatus: Record<string, unknown> = {};
  const effectiveSecurityAdminRules: Record<string, unknown> = {};
  const resourceChanges: Record<string, unknown>[] = [];
  for (const buildInstance of DEMO_FLEET) {
    const instance = buildInstance(t);
    resources.push(...instance.resources);
    if (instance.networkStatus) networkStatus[instance.id] = instance.networkStatus;
    Object.assign(effectiveSecurityAdminRules, instance.effectiveSecurityAdminRules ?? {});
    resourceChanges.push(...(instance.resourceChanges ?? []));
  }
  return {
    resources,
    networkStatus,
    serviceTags: {
      [WEST_EUROPE.short]: serviceTagsBody(),
      [NORTH_EUROPE.short]: serviceTagsBody(),
    },
    faults: [],
    effectiveSecurityAdminRules,
    resourceChanges,
    // Bodies of the subscriptions list (Microsoft.Subscription, 2022-12-01).
    subscriptions: [
      subscriptionBody(SUB_CONTOSO, 'Contoso Platform Production', { owner: 'platform' }),
      subscriptionBody(SUB_FABRIKAM, 'Fabrikam APIs', { owner: 'fabrikam-api' }),
    ],
  };
}

/** The demo world as pretty JSON, for a CLI to write to a file (`simulate --world FILE`). */
export function demoWorldJson(now: Date = new Date()): string {
  return `${JSON.stringify(buildDemoWorld(now), null, 2)}\n`;
}
