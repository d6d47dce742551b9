import type { ArmResource } from '../world.js';
import { rgPrefix } from './identities.js';
import { vnetBody, type PeeringSpec } from './network.js';
import type { Region } from './regions.js';
import { guid, netEtag } from './seeded.js';

/**
 * A hub VNet with an ExpressRoute gateway in its GatewaySubnet, peered with spokes that use it (gateway
 * transit), as the Network RP returns them: the VNet (its GatewaySubnet naming the gateway's IP
 * configuration, its peerings embedded) and the gateway, in the shape of the specification's
 * VirtualNetworkScalableGatewayGet example.
 */

export interface HubSpec {
  sub: string;
  rg: string;
  region: Region;
  vnet: string;
  addressSpace: string;
  gatewaySubnetPrefix: string;
  gateway: string;
  /** The spokes that use the hub's gateway. */
  spokes: Array<Omit<PeeringSpec, 'useRemoteGateways' | 'allowGatewayTransit'>>;
  tags: Record<string, string>;
}

function gatewayBody(spec: HubSpec, gatewayId: string, gatewaySubnetId: string): ArmResource {
  return {
    name: spec.gateway,
    type: 'Microsoft.Network/virtualNetworkGateways',
    etag: netEtag(gatewayId),
    id: gatewayId,
    location: spec.region.short,
    tags: { ...spec.tags },
    properties: {
      activeActive: false,
      adminState: 'Enabled',
      allowRemoteVnetTraffic: false,
      allowVirtualWanTraffic: false,
      autoScaleConfiguration: { bounds: { max: 3, min: 2 } },
      bgpSettings: null,
      disableIPSecReplayProtection: false,
      enableBgp: false,
      enableBgpRouteTranslationForNat: false,
      gatewayType: 'ExpressRoute',
      ipConfigurations: [
        {
          name: 'gwipconfig1',
          etag: netEtag(`${gatewayId}/ipConfigurations/default`),
          id: `${gatewayId}/ipConfigurations/default`,
          properties: {
            privateIPAllocationMethod: 'Dynamic',
            provisioningState: 'Succeeded',
            publicIPAddress: { id: `${rgPrefix(spec.sub, spec.rg)}/providers/Microsoft.Network/publicIPAddresses/pip-${spec.gateway}` },
            subnet: { id: gatewaySubnetId },
          },
        },
      ],
      natRules: [],
      provisioningState: 'Succeeded',
      resourceGuid: guid(`guid:${gatewayId}`),
      sku: { name: 'ErGwScale', tier: 'ErGwScale' },
      virtualNetworkGatewayPolicyGroups: [],
      vpnClientConfiguration: null,
      vpnType: 'PolicyBased',
    },
  };
}

/** The hub VNet and its gateway; `vnetId` for the spokes' peerings. */
export function hubNetwork(spec: HubSpec): { resources: ArmResource[]; vnetId: string } {
  const prefix = `${rgPrefix(spec.sub, spec.rg)}/providers/Microsoft.Network`;
  const vnetId = `${prefix}/virtualNetworks/${spec.vnet}`;
  const gatewayId = `${prefix}/virtualNetworkGateways/${spec.gateway}`;
  const gatewaySubnetId = `${vnetId}/subnets/GatewaySubnet`;
  const gatewaySubnet: ArmResource = {
    name: 'GatewaySubnet',
    id: gatewaySubnetId,
    etag: netEtag(gatewaySubnetId),
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: {
      provisioningState: 'Succeeded',
      addressPrefix: spec.gatewaySubnetPrefix,
      ipConfigurations: [{ id: `${gatewayId}/ipConfigurations/default` }],
      delegations: [],
      privateEndpointNetworkPolicies: 'Disabled',
      privateLinkServiceNetworkPolicies: 'Enabled',
    },
  };
  const vnet = vnetBody({
    id: vnetId, name: spec.vnet, region: spec.region, tags: spec.tags, addressSpace: spec.addressSpace, dnsServers: [], subnets: [gatewaySubnet],
    peerings: spec.spokes.map((spoke) => ({ ...spoke, useRemoteGateways: false, allowGatewayTransit: true })),
  });
  return { resources: [vnet, gatewayBody(spec, gatewayId, gatewaySubnetId)], vnetId };
}
