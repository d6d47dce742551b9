/**
 * Plain, normalised types of a subnet's network configuration (NSG, route table, service endpoints,
 * VNet), whatever JSON shape it came in (ARM REST, the SDK's flattened objects, `az ... show`, ARM
 * templates). Produced by src/azure/normalise-network.ts, judged by src/analysis.
 */

export type Direction = 'Inbound' | 'Outbound';
export type Access = 'Allow' | 'Deny';

export interface SecurityRule {
  name: string;
  priority: number;
  direction: Direction;
  access: Access;
  /** As Azure wrote it: `*`, `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah`. */
  protocol: string;
  /** Singular and plural forms merged: `*`, tags (`Sql`, `Sql.WestEurope`, `VirtualNetwork`), IPs, CIDRs. */
  sourceAddressPrefixes: string[];
  destinationAddressPrefixes: string[];
  /** Singular and plural forms merged: `*`, `443`, `1000-2000`. */
  sourcePortRanges: string[];
  destinationPortRanges: string[];
  /** One of Azure's six default rules. */
  isDefault: boolean;
  /**
   * Fields whose value Azure would reject or that cannot be evaluated here (an ARM template expression),
   * with why; such a field holds a placeholder, and the rule makes the flows it could decide `unknown`.
   */
  unresolved?: Partial<Record<'direction' | 'access' | 'priority' | 'protocol' | 'sourceAddresses' | 'destinationAddresses' | 'sourcePorts' | 'destinationPorts', string>>;
}

/**
 * A security admin rule of Azure Virtual Network Manager as it applies to a VNet (its effective rules).
 * Azure evaluates them before the NSG, in priority order: `Deny` and `AlwaysAllow` decide for good,
 * `Allow` hands the traffic on to the NSG.
 */
export interface SecurityAdminRule extends Omit<SecurityRule, 'access' | 'isDefault'> {
  access: 'Allow' | 'Deny' | 'AlwaysAllow';
  /** The rule's ARM ID (under its network manager's security admin configuration). */
  id: string;
  /** The name of the network manager that applies it. */
  networkManager: string;
}

/** The security admin rules in force on a VNet; `unreadable` says why they could not be read (then `rules` is empty). */
export interface AdminRuleSet {
  rules: SecurityAdminRule[];
  unreadable?: string;
}

export interface NetworkSecurityGroup {
  id: string;
  name: string;
  /** ARM short name. */
  location: string;
  securityRules: SecurityRule[];
  defaultSecurityRules: SecurityRule[];
}

export type NextHopType = 'Internet' | 'VirtualAppliance' | 'VirtualNetworkGateway' | 'VnetLocal' | 'None' | 'VirtualNetworkServiceEndpoint';

export interface Route {
  name: string;
  /** A CIDR, or a service tag (`ApiManagement`, `Storage.WestEurope`). */
  addressPrefix: string;
  nextHopType: NextHopType;
  nextHopIpAddress?: string;
  /** For a route known from a Virtual WAN hub's configuration: the device it leads to (`firewall azfw1 in Virtual WAN hub vhub-weu`). */
  through?: string;
}

export interface RouteTable {
  id: string;
  name: string;
  location: string;
  routes: Route[];
  disableBgpRoutePropagation: boolean;
}

export interface ServiceEndpoint {
  /** e.g. `Microsoft.Storage`, `Microsoft.Sql`, `Microsoft.KeyVault`, `Microsoft.EventHub`. */
  service: string;
  /** ARM short names or `*`. */
  locations: string[];
}

/**
 * A source of routes that no route table shows: a virtual network gateway (ExpressRoute or VPN) of the
 * VNet itself, or of a peered VNet the VNet uses through `useRemoteGateways`. Azure propagates the
 * routes such a gateway learns (BGP) or holds (static) to every subnet whose route table does not
 * disable it; on-premises commonly advertises 0.0.0.0/0.
 */
export interface GatewayRouteSource {
  /** The gateway's ARM ID; '' when it could not be read (then `unreadable` says why). */
  id: string;
  name: string;
  /** `ExpressRoute`, `Vpn`, or '' when unknown. */
  gatewayType: string;
  /** The peering through which a remote VNet's gateway is used; absent for the VNet's own gateway. */
  peering?: string;
  /** The VNet the gateway is in. */
  vnetId: string;
  unreadable?: string;
}

/** A 0.0.0.0/0 a Virtual WAN hub holds for a connection, known from the hub's configuration. */
export interface HubDefaultRoute {
  /** Where the hub holds it: `hub route table defaultRouteTable (route all_traffic)`, `static route r1 on connection c1`. */
  source: string;
  /** A firewall's or appliance's resource ID, or an IP address. */
  nextHop: string;
}

/**
 * A Virtual WAN hub's connection to the VNet, with what the hub's configuration says of its routes. A
 * connection with internet security on learns the hub's default route: routing intent's Internet policy,
 * a static 0.0.0.0/0 in its associated hub route table or on a connection, or whatever the hub's VPN and
 * ExpressRoute gateways learn over BGP.
 */
export interface HubConnectionSource {
  hubId: string;
  hubName: string;
  connection: string;
  enableInternetSecurity: boolean;
  /** Where routing intent's Internet policy sends Internet traffic (the hub's firewall or appliance). */
  internetNextHop?: string;
  /** Where routing intent's private-traffic policy sends the private ranges. */
  privateNextHop?: string;
  /** Static default routes that reach the connection (absent in a state file from an older version). */
  defaultRoutes?: HubDefaultRoute[];
  /** The hub's site-to-site VPN and ExpressRoute gateways, named; absent when not read (a state file from an older version). */
  gateways?: string[];
  /** Why the hub behind the connection could not be read (then nothing else above is known). */
  unreadable?: string;
}

/** A private DNS zone linked to the VNet, with its A record sets. */
export interface PrivateDnsZone {
  id: string;
  /** e.g. `azure-api.net`, or `contoso.azure-api.net` for a zone per host name. */
  name: string;
  /** IPv4 addresses by lower-cased relative record name (`@` for the zone's own name). */
  aRecords: Record<string, string[]>;
  /** Why the records could not be read (then `aRecords` is empty). */
  unreadable?: string;
}

/** The private DNS zones linked to the VNet; `unreadable` when the links could not be read at all. */
export interface PrivateDnsConfig {
  zones: PrivateDnsZone[];
  unreadable?: string;
}

export interface SubnetConfig {
  id: string;
  name: string;
  addressPrefixes: string[];
  /** The services the subnet is delegated to (`Microsoft.Web/serverFarms`); absent in a state file from an older version. */
  delegations?: string[];
  /** Absent when the subnet has no NSG (itself a finding). */
  nsg?: NetworkSecurityGroup;
  routeTable?: RouteTable;
  serviceEndpoints: ServiceEndpoint[];
  /** The VNet's Virtual Network Manager security admin rules; absent when not read (a state file from an older version). */
  adminRules?: AdminRuleSet;
  /** Gateways whose routes reach the subnet unless its route table disables propagation; absent when not read. */
  gatewayRoutes?: GatewayRouteSource[];
  /** The VNet's connections to Virtual WAN hubs; absent when not read. */
  hubConnections?: HubConnectionSource[];
  /** The private DNS zones linked to the VNet (read for internal instances only); absent when not read. */
  privateDns?: PrivateDnsConfig;
  vnet: {
    id: string;
    addressSpace: string[];
    /** `dhcpOptions.dnsServers`; empty means Azure-provided DNS (168.63.129.16). */
    dnsServers: string[];
  };
}

export interface ServiceTag {
  /** As Azure wrote it: `Sql`, `Sql.WestEurope`. */
  name: string;
  /** ARM short name, `` for global tags. */
  region: string;
  addressPrefixes: string[];
}

export interface ServiceTagSet {
  changeNumber: string;
  /** Where the tags came from, as outputs name it (`serviceTags.list (westeurope)`, a file, the bundled snapshot). */
  source?: string;
  /** Keyed by lower-cased tag name. */
  tags: Map<string, ServiceTag>;
}
