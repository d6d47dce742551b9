import { ERROR_CODES, UserError } from '../../errors.js';

export type ProposalFormat = 'arm-rest' | 'az-cli' | 'arm-template' | 'terraform-plan' | 'terraform-show';

export interface FoundResource {
  kind: 'nsg' | 'routeTable';
  /** The resource's name as written (may be an ARM expression such as "[parameters('nsgName')]"). */
  name: string;
  /** Where in the file, for messages: e.g. `module.network.azurerm_network_security_group.apim`, or `resources[3] (deployment "nsg-deployment") > resources[0]`, or `resources.nsg` for symbolic names. */
  where: string;
  /** ARM REST shape: { name, id?, location?, type, properties: { securityRules | routes, ... } }, ready for normaliseNsg / normaliseRouteTable. */
  body: Record<string, unknown>;
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
export type ProposalReader = (json: unknown, file: string) => ProposalContents | undefined;
