import type { FlowVerdict, RuleProblem } from '../analysis/nsg/evaluate.js';
import type { RouteAnalysis } from '../analysis/routing/evaluate.js';
import type { ProposalFormat } from '../azure/proposal-input.js';
import { ERROR_CODES, UserError } from '../errors.js';
import { EXIT_COULD_NOT_CHECK, EXIT_HEALTHY, EXIT_PAGING } from './exit-codes.js';

/** What `whatif` is asked and what it answers: shared by its evaluation (whatif.ts) and its output (whatif-output.ts). */

export interface WhatifOptions {
  nsg: string;
  nsgName?: string;
  routeTable?: string;
  routeTableName?: string;
  vnetType: 'internal' | 'external';
  platform: string;
  /** The instance's SKU (a v2 tier has its own requirements); absent: a classic multi-unit SKU. */
  sku?: string;
  location?: string;
  primaryLocation?: string;
  vnetAddressSpace?: string[];
  serviceTags?: string;
  /** `--parameters` as given (files, `NAME=VALUE`, JSON), for an ARM template's parameters; later ones win. */
  parameters?: string[];
  /** The VNet's security admin rules (the body of ListNetworkManagerEffectiveSecurityAdminRules), judged before the NSG. */
  adminRules?: string;
  output: 'table' | 'json';
}

export class WhatifInputError extends UserError {
  override name = 'WhatifInputError';
  constructor(message: string) {
    super(ERROR_CODES.WHATIF_INPUT, message);
  }
}

/** One NSG judged. */
export interface NsgVerdicts {
  nsg: { name: string; where: string };
  flows: FlowVerdict[];
  routes?: RouteAnalysis & { routeTable: string };
  /** Flows (required by Microsoft or paging by policy) and routes that the proposal blocks. */
  blocking: string[];
  /** Such flows the tool cannot judge, with why. */
  unknown: string[];
  /** Routes of such flows through a firewall or appliance, which decides (a warning: the exit code ignores it). */
  atRisk: string[];
  invalidRules: RuleProblem[];
}

export interface WhatifResult {
  format: ProposalFormat;
  serviceTags: string;
  /** The requirements judged against: the classic table, or the v2 tiers' pages (`--sku`). */
  requirements: { tier: 'classic' | 'v2'; revision: string };
  /** The security admin rules judged before each NSG, when `--admin-rules` was given. */
  adminRules?: { file: string; count: number; networkManagers: string[] };
  results: NsgVerdicts[];
  notes: string[];
}

/** 0 every gating flow allowed; 1 one is blocked (certain); 2 one cannot be judged (and none is blocked). */
export function whatifExitCode(result: WhatifResult): number {
  if (result.results.some((nsg) => nsg.blocking.length > 0)) return EXIT_PAGING;
  if (result.results.some((nsg) => nsg.unknown.length > 0)) return EXIT_COULD_NOT_CHECK;
  return EXIT_HEALTHY;
}

