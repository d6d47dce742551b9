/**
 * One entry of ListNetworkManagerEffectiveSecurityAdminRules' `value` (a security admin rule in force on a
 * VNet), in the shape of the specification's example.
 */

export interface AdminRuleSpec {
  collection: string;
  name: string;
  description: string;
  access: 'Allow' | 'Deny' | 'AlwaysAllow';
  direction: 'Inbound' | 'Outbound';
  priority: number;
  /** The other side: destination outbound, source inbound (the local side is `*`). */
  remote: { addressPrefix: string; addressPrefixType: 'ServiceTag' | 'IPPrefix' };
  ports: string[];
}

/** Where the rule comes from: the network manager's ID and its security admin configuration. */
export interface AdminRuleOrigin {
  manager: string;
  configuration: string;
  description: string;
}

export function adminRuleBody(spec: AdminRuleSpec, origin: AdminRuleOrigin): Record<string, unknown> {
  const any = [{ addressPrefix: '*', addressPrefixType: 'IPPrefix' }];
  const group = `${origin.manager}/networkGroups/ng-apim-spokes`;
  return {
    configurationDescription: origin.description,
    id: `${origin.manager}/securityAdminConfigurations/${origin.configuration}/ruleCollections/${spec.collection}/rules/${spec.name}`,
    kind: 'Custom',
    properties: {
      description: spec.description,
      access: spec.access,
      destinationPortRanges: spec.ports,
      destinations: spec.direction === 'Outbound' ? [spec.remote] : any,
      direction: spec.direction,
      priority: spec.priority,
      provisioningState: 'Succeeded',
      sourcePortRanges: ['0-65535'],
      sources: spec.direction === 'Inbound' ? [spec.remote] : any,
      protocol: 'Tcp',
    },
    ruleCollectionAppliesToGroups: [{ networkGroupId: group }],
    ruleCollectionDescription: `${spec.collection} guardrails`,
    ruleGroups: [{ id: group, properties: { description: 'Every spoke VNet that hosts API Management', provisioningState: 'Succeeded' } }],
  };
}
