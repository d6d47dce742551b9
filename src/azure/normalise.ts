import type { ApiManagementServiceResource, NetworkStatusContractByLocation } from '@azure/arm-apimanagement';
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
  const additional = (service.additionalLocations ?? []).map((location): RegionInfo => {
    const region: RegionInfo = { location: shortRegion(location.location), displayLocation: location.location, primary: false };
    const subnet = location.virtualNetworkConfiguration?.subnetResourceId;
    if (subnet) region.subnetId = subnet.toLowerCase();
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
  };
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

export function toRegionStatuses(body: NetworkStatusContractByLocation[]): RegionNetworkStatus[] {
  return body.map((byLocation) => {
    const displayLocation = byLocation.location ?? 'unknown';
    const status = byLocation.networkStatus;
    const connectivity = (status?.connectivityStatus ?? []).map((entry): ConnectivityEntry => {
      const normalised: ConnectivityEntry = {
        name: String(entry.name ?? ''),
        status: String(entry.status ?? 'unknown').toLowerCase(),
        error: entry.error ?? '',
        resourceType: String(entry.resourceType ?? 'unknown'),
        isOptional: entry.isOptional === true,
      };
      const lastUpdated = toDate(entry.lastUpdated);
      const lastStatusChange = toDate(entry.lastStatusChange);
      if (lastUpdated) normalised.lastUpdated = lastUpdated;
      if (lastStatusChange) normalised.lastStatusChange = lastStatusChange;
      return normalised;
    });
    return {
      location: shortRegion(displayLocation),
      displayLocation,
      dnsServers: status?.dnsServers ?? [],
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
