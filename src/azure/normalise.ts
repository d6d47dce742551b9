import type { ApiManagementServiceResource, NetworkStatusContractByLocation } from '@azure/arm-apimanagement';
import { truncated } from '../model/text.js';
import { parseApimId, shortRegion } from '../model/ids.js';
import type { ConnectivityEntry, FetchFailure, InstanceInfo, RegionInfo, RegionNetworkStatus, VnetType } from '../model/snapshot.js';

/** ARM shapes (as the SDK returns them) -> the model's plain, normalised types. */

function vnetTypeOf(value: string | undefined): VnetType {
  const lower = (value ?? 'None').toLowerCase();
  if (lower === 'external') return 'External';
  if (lower === 'internal') return 'Internal';
  return 'None';
}

export function toInstanceInfo(service: ApiManagementServiceResource): InstanceInfo {
  const ref = parseApimId(service.id ?? '');
  const primary: RegionInfo = {
    location: shortRegion(service.location),
    displayLocation: service.location,
    primary: true,
  };
  const primarySubnet = service.virtualNetworkConfiguration?.subnetResourceId;
  if (primarySubnet) primary.subnetId = primarySubnet.toLowerCase();
  if (typeof service.sku?.capacity === 'number') primary.capacity = service.sku.capacity;
  if (service.privateIPAddresses?.length) primary.privateIpAddresses = [...service.privateIPAddresses];
  const additional = (service.additionalLocations ?? []).map((location): RegionInfo => {
    const region: RegionInfo = { location: shortRegion(location.location), displayLocation: location.location, primary: false };
    const subnet = location.virtualNetworkConfiguration?.subnetResourceId;
    if (subnet) region.subnetId = subnet.toLowerCase();
    if (typeof location.sku?.capacity === 'number') region.capacity = location.sku.capacity;
    if (location.privateIPAddresses?.length) region.privateIpAddresses = [...location.privateIPAddresses];
    return region;
  });
  return {
    ...ref,
    name: service.name ?? ref.name,
    sku: service.sku?.name ?? 'unknown',
    platformVersion: service.platformVersion ?? 'unknown',
    vnetType: vnetTypeOf(service.virtualNetworkType),
    regions: [primary, ...additional],
    tags: service.tags ?? {},
    hostnames: hostnamesOf(service),
    ...provisioningOf(service),
  };
}

/** The instance's provisioning state and the one its running operation aims at (an empty target means none). */
function provisioningOf(service: ApiManagementServiceResource): Pick<InstanceInfo, 'provisioningState' | 'targetProvisioningState'> {
  const state = typeof service.provisioningState === 'string' && service.provisioningState !== '' ? service.provisioningState : undefined;
  const target = typeof service.targetProvisioningState === 'string' && service.targetProvisioningState !== '' ? service.targetProvisioningState : undefined;
  return { ...(state ? { provisioningState: state } : {}), ...(target ? { targetProvisioningState: target } : {}) };
}

/** The instance's endpoints' host names, from the URLs ARM gives and the configured host names. */
function hostnamesOf(service: ApiManagementServiceResource): string[] {
  const fromUrl = (url: string | undefined) => {
    try {
      return url ? new URL(url).hostname : undefined;
    } catch {
      return undefined;
    }
  };
  const urls = [service.gatewayUrl, service.portalUrl, service.developerPortalUrl, service.managementApiUrl, service.scmUrl].map(fromUrl);
  const configured = (service.hostnameConfigurations ?? []).map((configuration) => configuration.hostName);
  return [...new Set([...urls, ...configured].filter((name): name is string => typeof name === 'string' && name !== '').map((name) => name.toLowerCase()))];
}

/** A timestamp (the SDK's Date, or a string or number) in toISOString's form; undefined when it is none. */
function toIsoTimestamp(value: unknown): string | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/**
 * One string per resource type: every NetworkStatus entry of the fleet names one of a few dozen, each
 * parsed from JSON as a string of its own. Bounded, so that a misbehaving API cannot grow it for ever.
 */
const resourceTypes = new Map<string, string>();

function sharedResourceType(value: unknown): string {
  const text = String(value ?? 'unknown');
  const known = resourceTypes.get(text);
  if (known !== undefined) return known;
  if (resourceTypes.size < 256) resourceTypes.set(text, text);
  return text;
}

/** A text field of a body the SDK passed on unchecked: a string, or `fallback` (numbers and booleans as written). */
function text(value: unknown, fallback: string): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : fallback;
}

/** A list field of such a body: an array, or empty. */
const items = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);

/**
 * NetworkStatus as the SDK hands it over. The SDK does not check the JSON's types, so a misbehaving API
 * (or a proxy) can put anything anywhere: every field is read defensively, and the worst is "unknown".
 */
export function toRegionStatuses(body: NetworkStatusContractByLocation[]): RegionNetworkStatus[] {
  return items<NetworkStatusContractByLocation>(body).map((byLocation) => {
    const displayLocation = text(byLocation?.location, 'unknown');
    const status = byLocation?.networkStatus;
    const connectivity = items<NonNullable<NonNullable<typeof status>['connectivityStatus']>[number]>(status?.connectivityStatus).map((entry): ConnectivityEntry => {
      const normalised: ConnectivityEntry = {
        name: text(entry?.name, ''),
        status: text(entry?.status, 'unknown').toLowerCase(),
        error: truncated(text(entry?.error, '')),
        resourceType: sharedResourceType(text(entry?.resourceType, 'unknown')),
        isOptional: entry?.isOptional === true,
      };
      const lastUpdated = toIsoTimestamp(entry?.lastUpdated);
      const lastStatusChange = toIsoTimestamp(entry?.lastStatusChange);
      if (lastUpdated) normalised.lastUpdated = lastUpdated;
      if (lastStatusChange) normalised.lastStatusChange = lastStatusChange;
      return normalised;
    });
    return {
      location: shortRegion(displayLocation),
      displayLocation,
      dnsServers: items<unknown>(status?.dnsServers).filter((server): server is string => typeof server === 'string'),
      connectivity,
    };
  });
}

/** A RestError (or anything thrown on the way) as a failure the report and metrics can show. */
export function toFetchFailure(operation: string, err: unknown): FetchFailure {
  const error = err as { statusCode?: number; code?: string; message?: string; name?: string };
  const failure: FetchFailure = {
    operation,
    code: error.code ?? (error.statusCode ? `HTTP${error.statusCode}` : (error.name ?? 'Error')),
    message: (error.message ?? String(err)).split('\n', 1)[0]?.slice(0, 500) ?? '',
  };
  if (typeof error.statusCode === 'number') failure.statusCode = error.statusCode;
  return failure;
}
