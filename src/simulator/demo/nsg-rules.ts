import { netEtag } from './seeded.js';

/**
 * The rules of the demo NSGs: the spec of one rule, its body as the NSG GET returns it, the six rules Azure
 * puts in every NSG, and the rules APIM needs in its subnet.
 */

export interface RuleSpec {
  name: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol: 'Tcp' | 'Udp' | '*';
  source: string;
  destination: string;
  /** One port: `destinationPortRange`; several: `destinationPortRanges`. */
  ports: string[];
  description?: string;
}

export function securityRule(nsgId: string, spec: RuleSpec): Record<string, unknown> {
  const single = spec.ports.length === 1;
  const properties: Record<string, unknown> = { provisioningState: 'Succeeded' };
  if (spec.description !== undefined) properties.description = spec.description;
  properties.protocol = spec.protocol;
  properties.sourcePortRange = '*';
  if (single) properties.destinationPortRange = spec.ports[0];
  properties.sourceAddressPrefix = spec.source;
  properties.destinationAddressPrefix = spec.destination;
  properties.access = spec.access;
  properties.priority = spec.priority;
  properties.direction = spec.direction;
  properties.sourcePortRanges = [];
  properties.destinationPortRanges = single ? [] : [...spec.ports];
  properties.sourceAddressPrefixes = [];
  properties.destinationAddressPrefixes = [];
  return {
    name: spec.name,
    id: `${nsgId}/securityRules/${spec.name}`,
    etag: netEtag(`${nsgId}/${spec.name}`),
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties,
  };
}

/** The six rules Azure puts in every NSG, as the NSG GET returns them. */
export function defaultSecurityRules(nsgId: string): Record<string, unknown>[] {
  const rules: [string, string, string, string, 'Allow' | 'Deny', number, 'Inbound' | 'Outbound'][] = [
    ['AllowVnetInBound', 'Allow inbound traffic from all VMs in VNET', 'VirtualNetwork', 'VirtualNetwork', 'Allow', 65000, 'Inbound'],
    ['AllowAzureLoadBalancerInBound', 'Allow inbound traffic from azure load balancer', 'AzureLoadBalancer', '*', 'Allow', 65001, 'Inbound'],
    ['DenyAllInBound', 'Deny all inbound traffic', '*', '*', 'Deny', 65500, 'Inbound'],
    ['AllowVnetOutBound', 'Allow outbound traffic from all VMs to all VMs in VNET', 'VirtualNetwork', 'VirtualNetwork', 'Allow', 65000, 'Outbound'],
    ['AllowInternetOutBound', 'Allow outbound traffic from all VMs to Internet', '*', 'Internet', 'Allow', 65001, 'Outbound'],
    ['DenyAllOutBound', 'Deny all outbound traffic', '*', '*', 'Deny', 65500, 'Outbound'],
  ];
  return rules.map(([name, description, source, destination, access, priority, direction]) => ({
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    etag: netEtag(`${nsgId}/default/${name}`),
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      provisioningState: 'Succeeded',
      description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: source,
      destinationAddressPrefix: destination,
      access,
      priority,
      direction,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  }));
}

export type VnetMode = 'External' | 'Internal';

/**
 * APIM's rules from the requirements table (docs/design.md, "Requirements") (Microsoft's "virtual network configuration
 * reference"), with the priorities a platform team would typically use.
 */
export function apimRequiredRules(mode: VnetMode, opts: { trafficManager?: boolean } = {}): RuleSpec[] {
  const inbound: RuleSpec[] = [];
  if (mode === 'External') {
    inbound.push({
      name: 'AllowClientHttpInbound', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'Internet', destination: 'VirtualNetwork', ports: ['80', '443'],
      description: 'Client communication to API Management',
    });
  } else {
    inbound.push({
      name: 'AllowVnetHttpsInbound', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'VirtualNetwork', ports: ['443'],
      description: 'Clients inside the network (Application Gateway, peered spokes)',
    });
  }
  inbound.push(
    {
      name: 'AllowApimManagementInbound', priority: 110, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'ApiManagement', destination: 'VirtualNetwork', ports: ['3443'],
      description: 'Management endpoint for Azure portal and PowerShell',
    },
    {
      name: 'AllowAzureLoadBalancerInbound', priority: 120, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'AzureLoadBalancer', destination: 'VirtualNetwork', ports: ['6390'],
      description: 'Azure Infrastructure Load Balancer',
    },
  );
  if (mode === 'External' && opts.trafficManager) {
    inbound.push({
      name: 'AllowTrafficManagerInbound', priority: 130, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'AzureTrafficManager', destination: 'VirtualNetwork', ports: ['443'],
      description: 'Azure Traffic Manager routing for multi-region deployment',
    });
  }
  const outbound: RuleSpec[] = [
    {
      name: 'AllowStorageOutbound', priority: 100, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'Storage', ports: ['443'],
      description: 'Dependency on Azure Storage',
    },
    {
      name: 'AllowSqlOutbound', priority: 110, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'Sql', ports: ['1433'],
      description: 'Access to Azure SQL endpoints',
    },
    {
      name: 'AllowKeyVaultOutbound', priority: 120, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'AzureKeyVault', ports: ['443'],
      description: 'Access to Azure Key Vault',
    },
    {
      name: 'AllowAzureMonitorOutbound', priority: 130, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'AzureMonitor', ports: ['1886', '443'],
      description: 'Publish diagnostics logs, metrics, resource health and Application Insights',
    },
    {
      name: 'AllowEntraIdOutbound', priority: 140, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'AzureActiveDirectory', ports: ['443'],
      description: 'Microsoft Entra ID, Microsoft Graph and Azure Key Vault dependency',
    },
    {
      name: 'AllowEventHubOutbound', priority: 150, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'EventHub', ports: ['5671', '5672', '443'],
      description: 'Log to Event Hubs policy',
    },
  ];
  return [...inbound, ...outbound];
}
