import { describe, expect, it } from 'vitest';
import { isResourceOf, parseResourceId, subscriptionInPath } from '../src/model/ids.js';

describe('parseResourceId: the one parser of ARM resource IDs', () => {
  it('reads subscription, group, provider and the type/name path, as written; refuses what is not an ID', () => {
    const subnet = parseResourceId('/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet');
    expect(subnet).toEqual({ subscriptionId: 'S1', resourceGroup: 'RG', provider: 'Microsoft.Network', path: ['virtualNetworks', 'vnet', 'subnets', 'snet'] });
    expect(isResourceOf(subnet!, 'microsoft.network', 'VirtualNetworks', 'subnets')).toBe(true);
    expect(isResourceOf(subnet!, 'microsoft.network', 'virtualNetworks')).toBe(false);
    for (const bad of ['', '/subscriptions/s', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks', 'subscriptions/s/resourceGroups/rg/providers/p/t/n']) {
      expect(parseResourceId(bad), bad).toBeUndefined();
    }
    expect(subscriptionInPath('/subscriptions/ABC/providers/x?api-version=1')).toBe('ABC');
  });
});
