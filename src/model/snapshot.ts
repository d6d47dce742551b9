import type { ServiceTagSet, SubnetConfig } from './network.js';

/**
 * Plain types of a normalised fleet snapshot: what the fetchers produce and the analysis reads.
 * Resource IDs are lower-cased, regions are ARM short names (`westeurope`).
 */

export type VnetType = 'None' | 'External' | 'Internal';

/** Where an APIM instance lives; everything in it is lower-cased except `name`. */
export interface InstanceRef {
  /** Lower-cased ARM resource ID: the key of every map in the pipeline. */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export interface RegionInfo {
  /** ARM short name, e.g. `westeurope`. */
  location: string;
  /** As Azure wrote it, e.g. `West Europe`. */
  displayLocation: string;
  primary: boolean;
  subnetId?: string;
  /** Scale units in this region (`sku.capacity`, or the additional location's); absent when unknown. */
  capacity?: number;
  /** The region's private VIPs (internal mode): what its host names must resolve to inside the VNet. */
  privateIpAddresses?: string[];
}

export interface InstanceInfo extends InstanceRef {
  sku: string;
  platformVersion: string;
  vnetType: VnetType;
  /** The primary region first, then `additionalLocations[]` in ARM's order. */
  regions: RegionInfo[];
  tags: Record<string, string>;
  /** Lower-cased host names of the gateway, portals, management and SCM endpoints, and custom host names. */
  hostnames?: string[];
  /** ARM's `provisioningState` as written (`Succeeded`, `Updating`, `Failed`, ...); absent when ARM gave none. */
  provisioningState?: string;
  /** ARM's `targetProvisioningState`: where a running operation takes the instance (empty or absent when none runs). */
  targetProvisioningState?: string;
  /**
   * Set when discovery found the instance through ARM while Resource Graph did not show it yet (it indexes ARM's
   * writes late): it is monitored from ARM's body meanwhile (src/azure/arm-sweep.ts).
   */
  notInResourceGraph?: true;
}

export interface ConnectivityEntry {
  /** The host or URL Azure checked, as Azure wrote it. */
  name: string;
  /** `initializing` | `success` | `failure` (kept as Azure wrote it, lower-cased). */
  status: string;
  error: string;
  /**
   * ISO 8601 in UTC as `Date.prototype.toISOString` writes it, so that the report shows the very same
   * string (a fleet holds tens of thousands of these: strings shared, no Date objects).
   */
  lastUpdated?: string;
  lastStatusChange?: string;
  resourceType: string;
  isOptional: boolean;
}

export interface RegionNetworkStatus {
  location: string;
  displayLocation: string;
  dnsServers: string[];
  connectivity: ConnectivityEntry[];
}

/** Why the monitor could not read an instance (or a subscription). */
export interface FetchFailure {
  operation: string;
  code: string;
  statusCode?: number;
  message: string;
}

/** A region's subnet configuration as read from ARM (absent parts: not configured, or unreadable). */
export interface RegionNetworkConfig {
  location: string;
  subnetId?: string;
  subnet?: SubnetConfig;
  failure?: FetchFailure;
}

export interface InstanceSnapshot {
  instance: InstanceInfo;
  /** One per region that has a subnet; absent when the configuration was not read. */
  network?: RegionNetworkConfig[];
  /** Absent when the instance is not VNet-injected (not polled) or could never be read. */
  networkStatus?: RegionNetworkStatus[];
  /** When `networkStatus` was read from ARM; older than the poll when re-used after a failure. */
  networkStatusFetchedAt?: Date;
  /** Set for a v2-tier instance whose NetworkStatus the API does not give (an error or no entries): why. */
  networkStatusUnavailable?: string;
  failure?: FetchFailure;
  /**
   * Set while the instance is in a transitional provisioning state and NetworkStatus refuses to answer (409):
   * the last status is held (`networkStatus` as last read) and the analysis decides how long that is allowed.
   * `since` (ISO 8601): the last good read before the first refusal (the transition began after it), or that
   * refusal when there was none; `refused` is NetworkStatus's answer.
   */
  transition?: { since: string; refused: FetchFailure };
}

export interface SubscriptionFailure extends FetchFailure {
  subscriptionId: string;
}

export interface FleetSnapshot {
  takenAt: Date;
  instances: InstanceSnapshot[];
  subscriptionFailures: SubscriptionFailure[];
  /** The subscriptions discovery read without error (lower-cased), instances or not; absent in a state file from an older version. */
  subscriptionsRead?: string[];
  /** Service tags of the cloud (one set serves every region); absent when they could not be read. */
  serviceTags?: ServiceTagSet;
  /** Configured instance IDs that could not be resolved at all (no instance info). */
  unresolvedTargets: Array<InstanceRef & { failure: FetchFailure }>;
}
