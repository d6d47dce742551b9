import { securityRule } from '../../src/simulator/demo/nsg-rules.js';
import type { World } from '../../src/simulator/world.js';

/** Changes to a simulator world, as a user's writes would make them; the world given is never changed in place. */

export const DENY_SQL = 'DenySql-CHG0815';

/** `world` with a rule added to the NSG `nsgId` (a deep copy). */
export function withRule(world: World, nsgId: string, rule: Record<string, unknown>): World {
  const resources = world.resources.map((resource) => {
    if (resource.id.toLowerCase() !== nsgId.toLowerCase()) return resource;
    const copy = structuredClone(resource) as unknown as { properties: { securityRules: unknown[] } };
    copy.properties.securityRules.push(rule);
    return copy as unknown as typeof resource;
  });
  return { ...world, resources };
}

/** The outbound deny of Sql 1433 at priority 100 that the tests write into an NSG. */
export const denySqlRule = (nsgId: string) =>
  securityRule(nsgId, { name: DENY_SQL, priority: 100, direction: 'Outbound', access: 'Deny', protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Sql', ports: ['1433'] });
