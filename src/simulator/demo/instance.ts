import type { ArmResource } from '../world.js';

/** One instance of the fleet: its ARM ID, its resources (APIM, public IPs, network) and its NetworkStatus body. */
export interface DemoInstance {
  id: string;
  resources: ArmResource[];
  /** Absent: the world has none for it (a v2-tier instance). */
  networkStatus?: Record<string, unknown>[];
  /** Security admin rules of Virtual Network Manager in force, by VNet ID (the world key of the same name). */
  effectiveSecurityAdminRules?: Record<string, unknown>;
  /** Rows of Resource Graph's `resourcechanges` for its resources (the world key of the same name). */
  resourceChanges?: Record<string, unknown>[];
}
