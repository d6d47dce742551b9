import type { AnalysisCache } from '../cache.js';
import type { Route, ServiceTagSet } from '../../model/network.js';
import type { GatewayExposure } from './gateways.js';

/** What route evaluation knows of a region besides its route table and service endpoints. */
export interface RouteContext {
  /** ARM short name of the subnet's (the APIM region's) location. */
  region: string;
  primaryRegion: string;
  platformVersion: string;
  serviceTags: ServiceTagSet;
  vnetAddressSpace: string[];
  /** Gateway routes that may override the system default route (gateways.ts); absent when none reach the subnet. */
  gatewayRoutes?: GatewayExposure;
  /** Default routes known from configuration that no route table shows (a Virtual WAN hub's, gateways.ts `hubRoutes`). */
  learnedRoutes?: Route[];
  /** What the poll remembers for this tag set; absent: everything is computed afresh. */
  cache?: AnalysisCache;
}
