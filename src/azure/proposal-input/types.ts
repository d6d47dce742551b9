import type { SecurityRule } from '../../model/network.js';
import { ERROR_CODES, UserError } from '../../errors.js';

export type ProposalFormat = 'arm-rest' | 'az-cli' | 'arm-template' | 'terraform-plan' | 'terraform-show';

export interface FoundResource {
  kind: 'nsg' | 'routeTable';
  /** The resource's name: a template's expression evaluated when it can be, else as written (e.g. "[parameters('nsgName')]"). */
  name: string;
  /** The name as the document writes it, when a template expression was evaluated into `name`. */
  writtenName?: string;
  /** Where in the file, for messages: e.g. `module.network.azurerm_network_security_group.apim`, or `resources[3] (deployment "nsg-deployment") > resources[0]`, or `resources.nsg` for symbolic names. */
  where: string;
  /** ARM REST shape: { name, id?, location?, type, properties: { securityRules | routes, ... } }, ready for normaliseNsg / normaliseRouteTable. */
  body: Record<string, unknown>;
  /**
   * An NSG of a template: its rules (by index in `properties.securityRules`) holding values the template
   * leaves unknown (or whose existence it does), and why. normaliseFoundNsg applies them.
   */
  ruleDoubts?: Map<number, RuleDoubts>;
  /** A route table of a template: why some of its routes' values cannot be evaluated (routes have no `unknown` verdict). */
  unresolvedValues?: string[];
}

export interface ProposalContents {
  format: ProposalFormat;
  nsgs: FoundResource[];
  routeTables: FoundResource[];
  /** What the user should know that is not an error, e.g. a rule whose NSG is not in the document. */
  notes: string[];
}

export class ProposalInputError extends UserError {
  override name = 'ProposalInputError';
  constructor(message: string) {
    super(ERROR_CODES.PROPOSAL_INPUT, message);
  }
}

/**
 * One family of formats' reader, registered in the entry point's list. Returns undefined when the document
 * is not in its formats, so that the next reader is tried; throws ProposalInputError when it is (or is a
 * near miss it knows, such as a Terraform state file) but holds no NSG or route table.
 */
export type ProposalReader = (json: unknown, file: string, parameters: ReadonlyMap<string, GivenParameter>) => ProposalContents | undefined;

/** What a template leaves unresolved in each field of a rule (the model's `SecurityRule.unresolved`). */
export type RuleDoubts = NonNullable<SecurityRule['unresolved']>;

/** A template parameter's value as given (`--parameters`), not evaluable, or computed on demand. */
export type GivenParameter = { value: unknown; source: string } | { unresolved: string; source: string } | { evaluate: () => unknown; source: string };
