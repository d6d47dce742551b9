import { readFileSync } from 'node:fs';
import { colourEnabled } from './check-output.js';
import { DEFAULT_PAGING_POLICY, type PagingPolicy } from '../analysis/paging-policy.js';
import { judgeSubnetPolicy } from '../analysis/network.js';
import { ruleProblems, unknownReason, type FlowVerdict } from '../analysis/nsg/evaluate.js';
import { REQUIREMENTS_REVISION, tierOf, V2_REQUIREMENTS_REVISION } from '../analysis/requirements.js';
import { normaliseAdminRules } from '../azure/normalise-admin-rules.js';
import { InvalidNetworkConfigError, normaliseRouteTable, normaliseServiceTags } from '../azure/normalise-network.js';
import { declaredParameters, isArmTemplateDocument, normaliseFoundNsg, readProposalDocument, type FoundResource, type GivenParameter } from '../azure/proposal-input.js';
import { BUNDLED_SERVICE_TAGS, bundledServiceTagsBody } from '../data/bundled-service-tags.js';
import { shortRegion } from '../model/ids.js';
import type { NetworkSecurityGroup, RouteTable, SecurityAdminRule, ServiceTagSet } from '../model/network.js';
import { isTemplateExpression } from '../model/template-expression.js';
import { reportFatal } from './errors.js';
import { EXIT_COULD_NOT_CHECK } from './exit-codes.js';
import { parseJsonWithComments } from './whatif-jsonc.js';
import { whatifJson, whatifTable } from './whatif-output.js';
import { templateParameters } from './whatif-parameters.js';
import { WhatifInputError, whatifExitCode, type NsgVerdicts, type WhatifOptions, type WhatifResult } from './whatif-types.js';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WhatifInputError(`cannot read the ${what} file ${file}: ${(err as Error).message}`);
  }
  try {
    // Comments are allowed, as az allows them in templates.
    return parseJsonWithComments(text);
  } catch (err) {
    const bicep = /^\s*(param|resource|module|targetScope|var)\s/m.test(text) ? ' (this looks like Bicep source: compile it with `az bicep build --file FILE`)' : '';
    throw new WhatifInputError(
      `the ${what} file ${file} is not JSON (${(err as Error).message})${bicep}; pass \`az network nsg show\` output, an ARM template or \`terraform show -json\` of a plan`,
    );
  }
}

/** The service tags to judge with: a file the user names, else the bundled snapshot (named in every output). */
function serviceTagsFor(options: WhatifOptions): ServiceTagSet {
  if (!options.serviceTags) return normaliseServiceTags(bundledServiceTagsBody(), BUNDLED_SERVICE_TAGS);
  const body = readJson(options.serviceTags, 'service tags');
  const tags = normaliseServiceTags(body, `file ${options.serviceTags}`);
  if (tags.changeNumber) tags.source = `file ${options.serviceTags} (change ${tags.changeNumber})`;
  return tags;
}

/** A resource named by a `--*-name` option: its name (a template's evaluated), or its name as written. */
function named(resource: FoundResource, wanted: string): boolean {
  return [resource.name, resource.writtenName].some((name) => name !== undefined && name.toLowerCase() === wanted.toLowerCase());
}

/** `--nsg-name` picks one; without it, every NSG of the file is judged, each under its own name. */
function chooseNsgs(found: FoundResource[], wanted: string | undefined, file: string): FoundResource[] {
  if (wanted === undefined) return found;
  const chosen = found.filter((resource) => named(resource, wanted));
  if (chosen.length === 0) {
    throw new WhatifInputError(`--nsg-name ${wanted}: ${file} holds no NSG of that name; it holds ${found.map((resource) => `"${resource.name}"`).join(', ')}`);
  }
  return chosen;
}

/**
 * `--parameters` for the templates read: the NSG file's, and the route table file's when it is a template
 * too; a name neither declares is refused.
 */
function parametersFor(options: WhatifOptions, nsgJson: unknown, routeJson: unknown): Map<string, GivenParameter> {
  if (!options.parameters || options.parameters.length === 0) return new Map();
  const templates = [
    { file: options.nsg, json: nsgJson },
    ...(options.routeTable ? [{ file: options.routeTable, json: routeJson }] : []),
  ].flatMap(({ file, json }) => (isArmTemplateDocument(json) ? [{ file, parameters: declaredParameters(json) }] : []));
  if (templates.length === 0) {
    throw new WhatifInputError(`--parameters applies to an ARM template; ${options.nsg} is not one: pass the template (compiled Bicep included) with --nsg, or leave --parameters out`);
  }
  return templateParameters(options.parameters, templates);
}

/** A route table whose routes a template leaves unknown cannot be judged: refused when asked for, else left out with a note. */
function judgeableRouteTable(chosen: FoundResource, explicit: boolean, file: string, notes: string[]): FoundResource | undefined {
  if (!chosen.unresolvedValues || chosen.unresolvedValues.length === 0) return chosen;
  const why = `route table "${chosen.name}" in ${file} has values that cannot be evaluated (${chosen.unresolvedValues[0]}${chosen.unresolvedValues.length > 1 ? `, and ${chosen.unresolvedValues.length - 1} more` : ''})`;
  if (explicit) throw new WhatifInputError(`${why}; give the parameters it needs with --parameters`);
  notes.push(`${why}; routes were not judged`);
  return undefined;
}

/** The route table to judge with; several in the NSG file and none named: routes are not judged, and a note says so. */
function chooseRouteTable(options: WhatifOptions, inRouteFile: FoundResource[], notes: string[]): FoundResource | undefined {
  const candidates = inRouteFile;
  const file = options.routeTable ?? options.nsg;
  if (options.routeTableName !== undefined) {
    const chosen = candidates.find((resource) => named(resource, options.routeTableName!));
    if (!chosen) throw new WhatifInputError(`--route-table-name ${options.routeTableName}: ${file} holds no route table of that name`);
    return judgeableRouteTable(chosen, true, file, notes);
  }
  if (options.routeTable && candidates.length === 0) throw new WhatifInputError(`the route table file ${file} holds no route table`);
  if (candidates.length > 1) {
    const names = candidates.map((resource) => `"${resource.name}"`).join(', ');
    if (options.routeTable) throw new WhatifInputError(`${file} holds ${candidates.length} route tables (${names}): name one with --route-table-name`);
    notes.push(`${file} also holds ${candidates.length} route tables (${names}); routes were not judged: name one with --route-table-name`);
    return undefined;
  }
  return candidates[0] && judgeableRouteTable(candidates[0], options.routeTable !== undefined, file, notes);
}

/** The region an NSG judges for: `--location`, else its own (a template expression is no region). */
function regionOf(options: WhatifOptions, nsg: NetworkSecurityGroup): string {
  if (options.location) return shortRegion(options.location);
  return isTemplateExpression(nsg.location) ? '' : shortRegion(nsg.location);
}

/** The admin rules file: the API's body (or its example file, or `az rest` output), refused with what was wrong. */
function readAdminRules(file: string): SecurityAdminRule[] {
  const body = readJson(file, 'security admin rules');
  try {
    return normaliseAdminRules(body);
  } catch (err) {
    if (err instanceof InvalidNetworkConfigError) throw new WhatifInputError(`--admin-rules ${file}: ${err.message}`);
    throw err;
  }
}

interface Judging {
  options: WhatifOptions;
  tags: ServiceTagSet;
  paging: PagingPolicy;
  adminRules: SecurityAdminRule[];
}

function judgeOne(found: FoundResource, routeTable: { found: FoundResource; table: RouteTable } | undefined, { options, tags, paging, adminRules }: Judging): NsgVerdicts {
  const nsg = normaliseFoundNsg(found);
  const region = regionOf(options, nsg);
  const primaryRegion = options.primaryLocation ? shortRegion(options.primaryLocation) : region;
  const { flows, routes } = judgeSubnetPolicy({
    nsg,
    adminRules,
    routeTable: routeTable?.table,
    serviceEndpoints: [],
    subnetPrefixes: [],
    vnetAddressSpace: options.vnetAddressSpace ?? [],
    vnetType: options.vnetType === 'internal' ? 'Internal' : 'External',
    platformVersion: options.platform,
    ...(options.sku ? { sku: options.sku } : {}),
    region,
    primaryRegion,
    serviceTags: tags,
    paging,
  });
  const gating = flows.filter((flow) => flow.applies && (flow.required || flow.pages));
  const why = (flow: FlowVerdict) => (flow.required ? 'required by Microsoft' : 'pages by policy');
  const blocking = gating
    .filter((flow) => flow.verdict === 'denied' || flow.verdict === 'partial')
    .map((flow) => `${flow.direction} ${flow.peer} ${flow.protocol}/${flow.port} (${why(flow)}) is ${flow.verdict} by ${flow.decidingRules.join(', ') || flow.decidedBy}`);
  const unknown = gating
    .filter((flow) => flow.verdict === 'unknown')
    .map((flow) => `${flow.direction} ${flow.peer} ${flow.protocol}/${flow.port} (${why(flow)}): ${unknownReason(flow)}`);
  const result: NsgVerdicts = { nsg: { name: found.name, where: found.where }, flows, blocking, unknown, atRisk: [], invalidRules: ruleProblems(nsg, tags, adminRules) };
  if (routeTable) {
    result.routes = { ...routes, routeTable: routeTable.found.name };
    const gatingPeers = new Set(gating.map((flow) => flow.peer));
    for (const verdict of routes.verdicts) {
      if (verdict.ok || !gatingPeers.has(verdict.peer)) continue;
      // Through a firewall or appliance: it decides, and whatif cannot read it. Said, never a block.
      if (verdict.unknown) result.atRisk.push(`${verdict.peer}: ${verdict.unknown.reason}`);
      else blocking.push(`route ${verdict.decidedBy} sends ${verdict.peer} traffic to ${verdict.nextHopType}`);
    }
  }
  return result;
}

/** Reads the proposal and judges every NSG in it (or the one `--nsg-name` names). */
export function evaluateProposal(options: WhatifOptions, paging: PagingPolicy = DEFAULT_PAGING_POLICY): WhatifResult {
  const nsgJson = readJson(options.nsg, 'NSG');
  const routeJson = options.routeTable ? readJson(options.routeTable, 'route table') : undefined;
  const parameters = parametersFor(options, nsgJson, routeJson);
  const document = readProposalDocument(nsgJson, options.nsg, parameters);
  if (document.nsgs.length === 0) {
    throw new WhatifInputError(`${options.nsg} holds no NSG (it holds ${document.routeTables.length} route table(s)): pass the NSG with --nsg and the route table with --route-table`);
  }
  const tags = serviceTagsFor(options);
  const notes = [...document.notes];
  const inRouteFile = options.routeTable ? readProposalDocument(routeJson, options.routeTable, parameters).routeTables : document.routeTables;
  const routeFound = chooseRouteTable(options, inRouteFile, notes);
  const routeTable = routeFound ? { found: routeFound, table: normaliseRouteTable(routeFound.body) } : undefined;
  const adminRules = options.adminRules ? readAdminRules(options.adminRules) : [];
  const results = chooseNsgs(document.nsgs, options.nsgName, options.nsg).map((found) => judgeOne(found, routeTable, { options, tags, paging, adminRules }));
  const tier = tierOf(options.sku);
  const requirements = { tier, revision: tier === 'v2' ? V2_REQUIREMENTS_REVISION : REQUIREMENTS_REVISION };
  const result: WhatifResult = { format: document.format, serviceTags: tags.source ?? `change ${tags.changeNumber}`, requirements, results, notes };
  if (options.adminRules) {
    result.adminRules = { file: options.adminRules, count: adminRules.length, networkManagers: [...new Set(adminRules.map((rule) => rule.networkManager))].sort() };
  }
  return result;
}

export async function runWhatif(options: WhatifOptions): Promise<number> {
  try {
    const result = evaluateProposal(options);
    process.stdout.write(options.output === 'json' ? whatifJson(result) : whatifTable(result, colourEnabled(process.stdout)));
    return whatifExitCode(result);
  } catch (err) {
    reportFatal(err);
    return EXIT_COULD_NOT_CHECK;
  }
}
