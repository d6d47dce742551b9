import type { Dependency } from '../dependencies.js';
import type { VerdictChange } from '../../model/config-change.js';

/** `unknown`: a rule that could decide part of the flow holds a value the analysis cannot resolve (named in `note`). */
export type FlowVerdictKind = 'allowed' | 'denied' | 'partial' | 'unknown';

export interface FlowVerdict {
  direction: 'inbound' | 'outbound';
  peer: string;
  port: number;
  protocol: 'Tcp' | 'Udp';
  dependency: Dependency;
  /** Required by Microsoft's table (for this VNet mode and platform). */
  required: boolean;
  /** Whether blocking it pages, by the paging policy (README, "Paging policy"). */
  pages: boolean;
  applies: boolean;
  verdict: FlowVerdictKind;
  /** The first rule that decided any part of the flow (for `partial`, the first of them; for `unknown`, the rule that cannot be resolved). */
  decidedBy: string;
  decidingRules: string[];
  /**
   * The Virtual Network Manager security admin rule that decided the flow (its first decision), when one
   * did: Azure evaluates them before the NSG, and the NSG's owner cannot change them.
   */
  adminRule?: { id: string; name: string; networkManager: string; access: 'Allow' | 'Deny' | 'AlwaysAllow' };
  note?: string;
  /** The configuration change that turned the flow to this verdict, while it stands (change-attribution.ts). */
  change?: VerdictChange;
}

export const NO_NSG = '(no NSG)';
