import type { GivenParameter } from './proposal-input/arm-scope.js';
import { readArmTemplateDocument } from './proposal-input/arm-template.js';
import { readRestDocument } from './proposal-input/arm-rest.js';
import { isRecord, nameOf, type Json } from './proposal-input/json.js';
import { describe, EXPECTED, listed, refuse, shown } from './proposal-input/messages.js';
import { readTerraformDocument } from './proposal-input/terraform.js';
import type { ProposalContents, ProposalReader } from './proposal-input/types.js';

/**
 * Finds every NSG and route table in a document a network team hands to `whatif` (an ARM REST body or
 * list, `az` output, an ARM template with nested deployments, `terraform show -json` output) and returns
 * each in the ARM REST shape that `normaliseNsg` / `normaliseRouteTable` read. Pure: it receives parsed
 * JSON and does no I/O. A template's expressions are evaluated over its parameters (`parameters`, as
 * `--parameters` gives them, else their defaults) and variables. Values it cannot know (expressions that
 * need the deployment, Terraform values unknown until apply) are kept as written or left absent, and said
 * why (`ruleDoubts`): the normaliser and the analysis judge what they could decide `unknown`.
 *
 * Separate rules and routes (`azurerm_network_security_rule`, `azurerm_route`, ARM child resources
 * `.../securityRules`, `.../routes`) are added to their NSG or route table when it can be matched. When it
 * cannot (it is not in the document, or its name is not known), the rules are NOT dropped and this does NOT
 * throw: those with the same parent are judged together as an NSG (route table) of their own, and a note
 * says so.
 *
 * Each family of formats has its own reader under `proposal-input/`, registered in READERS below.
 */

export { ProposalInputError, type FoundResource, type ProposalContents, type ProposalFormat } from './proposal-input/types.js';
export { type GivenParameter } from './proposal-input/arm-scope.js';
export { isArmTemplateDocument } from './proposal-input/arm-template.js';
export { declaredParameters, type DeclaredParameter } from './proposal-input/arm-parameters.js';
export { normaliseFoundNsg } from './proposal-input/normalise-found.js';

/**
 * The readers, tried in this order; the first that recognises the document reads it. Terraform and ARM
 * templates are told by fields of their own, so they go first; REST and az objects are told by their shape.
 */
const READERS: readonly ProposalReader[] = [readTerraformDocument, readArmTemplateDocument, readRestDocument];

/**
 * Every NSG and route table in `json` (already parsed from `file`, which is named only in messages), in
 * document order, as ARM REST bodies; `parameters` are a template's, by name. Throws ProposalInputError,
 * one line saying what was expected, what was found and how to fix it, when the document holds neither.
 */
export function readProposalDocument(json: unknown, file: string, parameters: ReadonlyMap<string, GivenParameter> = new Map()): ProposalContents {
  for (const read of READERS) {
    const contents = read(json, file, parameters);
    if (contents) return contents;
  }
  if (!isRecord(json)) throw refuse(file, `expected ${EXPECTED}, found ${describe(json)}; pass the JSON file that declares the NSG`);
  throw refuse(file, `expected ${EXPECTED}, found ${foundInstead(json)}, which holds no NSG and no route table; pass the file that declares the NSG`);
}

/** What an unrecognised object is: another resource (maybe in an example file), or just its keys. */
function foundInstead(json: Json): string {
  const responses = isRecord(json.responses) ? json.responses : {};
  const example = isRecord(responses['200']) ? responses['200'].body : undefined;
  if (isRecord(example) && typeof example.type === 'string') return `an ARM REST example of a ${shown(example.type)} ("${shown(nameOf(example.name))}")`;
  if (typeof json.type === 'string') return `a ${shown(json.type)} resource ("${shown(nameOf(json.name))}")`;
  const keys = Object.keys(json);
  return keys.length === 0 ? 'an empty JSON object' : `a JSON object with keys ${listed(keys)}`;
}
