import type { ServiceTagSet } from '../../model/network.js';

/** What route evaluation knows of a region besides its route table and service endpoints. */
export interface RouteContext {
  /** ARM short name of the subnet's (the APIM region's) location. */
  region: string;
  primaryRegion: string;
  platformVersion: string;
  serviceTags: ServiceTagSet;
  vnetAddressSpace: string[];
}
