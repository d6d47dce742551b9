import { readFileSync } from 'node:fs';
import pc from 'picocolors';
import { DEFAULT_PAGING_POLICY, type PagingPolicy } from '../analysis/paging-policy.js';
import { judgeSubnetPolicy } from '../analysis/network.js';
import { ruleProblems, unknownReason, type FlowVerdict, type RuleProblem } from '../analysis/nsg/evaluate.js';
import { REQUIREMENTS_REVISION } from '../analysis/requirements.js';
import type { RouteAnalysis } from '../analysis/routing/evaluate.js';
import { normaliseNsg, normaliseRouteTable, normaliseServiceTags } from '../azure/normalise-network.js';
import { readProposalDocument, type FoundResource, type ProposalFormat } from '../azure/proposal-input.js';
import { BUNDLED_SERVICE_TAGS, bundledServiceTagsBody } from '../data/bundled-service-tags.js';
import { ERROR_CODES, UserError } from '../errors.js';
import { shortRegion } from '../model/ids.js';
import type { NetworkSecurityGroup, RouteTable, ServiceTagSet } from '../model/network.js';
import { isTemplateExpression } from '../model/template-expression.js';
import { reportFatal } from './errors.js';
import { EXIT_COULD_NOT_CHECK, EXIT_HEALTHY, EXIT_PAGING } from './exit-codes.js';
import { renderTable } from './table.js';
import { terminalSafe } from './terminal-text.js';

export interface WhatifOptions {
  nsg: string;
  nsgName?: string;
  routeTable?: string;
  routeTableName?: string;
  vnetType: 'internal' | 'external';
  platform: string;
  location?: string;
  primaryLocation?: string;
  vnetAddressSpace?: string[];
  serviceTags?: string;
  output: 'table' | 'json';
}

export class WhatifInputError extends UserError {
  override name = 'WhatifInputError';
  constructor(message: string) {
    super(ERROR_CODES.WHATIF_INPUT, message);
  }
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WhatifInputError(`cannot read the ${what} file ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const bicep = /^\s*(param|resource|module|targetScope|var)\s/m.test(text) ? ' (this looks like Bicep source: compile it with `az bicep build --file FILE`)' : '';
    throw new WhatifInputError(
      `the ${what} file ${file} is not JSON (${(err as Error).message})${bicep}; pass \`az network nsg show\` output, an ARM template or \`terraform show -json\` of a plan`,
    );
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
  invalidRules: RuleProblem[];
}

export interface WhatifResult {
  format: ProposalFormat;
  serviceTags: string;
  results: NsgVerdicts[];
  notes: string[];
}

/** The service tags to judge with: a file the user names, else the bundled snapshot (named in every output). */
function serviceTagsFor(options: WhatifOptions): ServiceTagSet {
  if (!options.serviceTags) return normaliseServiceTags(bundledServiceTagsBody(), BUNDLED_SERVICE_TAGS);
  const body = readJson(options.serviceTags, 'service tags');
  const tags = normaliseServiceTags(body, `file ${options.serviceTags}`);
  if (tags.changeNumber) tags.source = `file ${options.serviceTags} (change ${tags.changeNumber})`;
  return tags;
}

/** `--nsg-name` picks one; without it, every NSG of the file is judged, each under its own name. */
function chooseNsgs(found: FoundResource[], wanted: string | undefined, file: string): FoundResource[] {
  if (wanted === undefined) return found;
  const chosen = found.filter((resource) => resource.name === wanted || resource.name.toLowerCase() === wanted.toLowerCase());
  if (chosen.length === 0) {
    throw new WhatifInputError(`--nsg-name ${wanted}: ${file} holds no NSG of that name; it holds ${found.map((resource) => `"${resource.name}"`).join(', ')}`);
  }
  return chosen;
}

/** The route table to judge with; several in the NSG file and none named: routes are not judged, and a note says so. */
function chooseRouteTable(options: WhatifOptions, inNsgFile: FoundResource[], notes: string[]): FoundResource | undefined {
  const candidates = options.routeTable ? readProposalDocument(readJson(options.routeTable, 'route table'), options.routeTable).routeTables : inNsgFile;
  const file = options.routeTable ?? options.nsg;
  if (options.routeTableName !== undefined) {
    const chosen = candidates.find((resource) => resource.name.toLowerCase() === options.routeTableName!.toLowerCase());
    if (!chosen) throw new WhatifInputError(`--route-table-name ${options.routeTableName}: ${file} holds no route table of that name`);
    return chosen;
  }
  if (options.routeTable && candidates.length === 0) throw new WhatifInputError(`the route table file ${file} holds no route table`);
  if (candidates.length > 1) {
    const names = candidates.map((resource) => `"${resource.name}"`).join(', ');
    if (options.routeTable) throw new WhatifInputError(`${file} holds ${candidates.length} route tables (${names}): name one with --route-table-name`);
    notes.push(`${file} also holds ${candidates.length} route tables (${names}); routes were not judged: name one with --route-table-name`);
    return undefined;
  }
  return candidates[0];
}

/** The region an NSG judges for: `--location`, else its own (a template expression is no region). */
function regionOf(options: WhatifOptions, nsg: NetworkSecurityGroup): string {
  if (options.location) return shortRegion(options.location);
  return isTemplateExpression(nsg.location) ? '' : shortRegion(nsg.location);
}

function judgeOne(found: FoundResource, routeTable: { found: FoundResource; table: RouteTable } | undefined, options: WhatifOptions, tags: ServiceTagSet, paging: PagingPolicy): NsgVerdicts {
  const nsg = normaliseNsg(found.body);
  const region = regionOf(options, nsg);
  const primaryRegion = options.primaryLocation ? shortRegion(options.primaryLocation) : region;
  const { flows, routes } = judgeSubnetPolicy({
    nsg,
    routeTable: routeTable?.table,
    serviceEndpoints: [],
    subnetPrefixes: [],
    vnetAddressSpace: options.vnetAddressSpace ?? [],
    vnetType: options.vnetType === 'internal' ? 'Internal' : 'External',
    platformVersion: options.platform,
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
  const result: NsgVerdicts = { nsg: { name: found.name, where: found.where }, flows, blocking, unknown, invalidRules: ruleProblems(nsg, tags) };
  if (routeTable) {
    result.routes = { ...routes, routeTable: routeTable.found.name };
    const gatingPeers = new Set(gating.map((flow) => flow.peer));
    for (const verdict of routes.verdicts) {
      if (!verdict.ok && gatingPeers.has(verdict.peer)) blocking.push(`route ${verdict.decidedBy} sends ${verdict.peer} traffic to ${verdict.nextHopType}`);
    }
  }
  return result;
}

/** Reads the proposal and judges every NSG in it (or the one `--nsg-name` names). */
export function evaluateProposal(options: WhatifOptions, paging: PagingPolicy = DEFAULT_PAGING_POLICY): WhatifResult {
  const document = readProposalDocument(readJson(options.nsg, 'NSG'), options.nsg);
  if (document.nsgs.length === 0) {
    throw new WhatifInputError(`${options.nsg} holds no NSG (it holds ${document.routeTables.length} route table(s)): pass the NSG with --nsg and the route table with --route-table`);
  }
  const tags = serviceTagsFor(options);
  const notes = [...document.notes];
  const routeFound = chooseRouteTable(options, document.routeTables, notes);
  const routeTable = routeFound ? { found: routeFound, table: normaliseRouteTable(routeFound.body) } : undefined;
  const results = chooseNsgs(document.nsgs, options.nsgName, options.nsg).map((found) => judgeOne(found, routeTable, options, tags, paging));
  return { format: document.format, serviceTags: tags.source ?? `change ${tags.changeNumber}`, results, notes };
}

/** 0 every gating flow allowed; 1 one is blocked (certain); 2 one cannot be judged (and none is blocked). */
export function whatifExitCode(result: WhatifResult): number {
  if (result.results.some((nsg) => nsg.blocking.length > 0)) return EXIT_PAGING;
  if (result.results.some((nsg) => nsg.unknown.length > 0)) return EXIT_COULD_NOT_CHECK;
  return EXIT_HEALTHY;
}

function nsgJson(verdicts: NsgVerdicts): Record<string, unknown> {
  const json: Record<string, unknown> = {
    nsg: verdicts.nsg,
    flows: verdicts.flows.map((flow) => ({
      direction: flow.direction,
      peer: flow.peer,
      port: flow.port,
      protocol: flow.protocol,
      required: flow.required,
      pages: flow.pages,
      applies: flow.applies,
      verdict: flow.verdict,
      decided_by: flow.decidedBy,
      deciding_rules: flow.decidingRules,
      dependency: flow.dependency,
      ...(flow.note ? { note: flow.note } : {}),
    })),
    blocking: verdicts.blocking,
    unknown: verdicts.unknown,
    invalid_rules: verdicts.invalidRules,
  };
  const routes = verdicts.routes;
  if (routes) {
    json.routes = {
      route_table: routes.routeTable,
      forced_tunnelling: routes.forcedTunnelling,
      management_return_route: routes.managementReturnRoute,
      verdicts: routes.verdicts.map((verdict) => ({
        dependency: verdict.dependency,
        peer: verdict.peer,
        next_hop_type: verdict.nextHopType,
        ok: verdict.ok,
        decided_by: verdict.decidedBy,
        ...(verdict.note ? { note: verdict.note } : {}),
      })),
      findings: routes.findings,
    };
  }
  return json;
}

/**
 * One NSG: its verdicts at the top level (`flows`, `blocking`, ...), as before files could hold several;
 * several NSGs: `nsgs`, one such object each, and `blocking` / `unknown` over all of them.
 */
export function whatifJson(result: WhatifResult): string {
  const common = {
    exit_code: whatifExitCode(result),
    input_format: result.format,
    service_tags: result.serviceTags,
    requirements_revision: REQUIREMENTS_REVISION,
    ...(result.notes.length > 0 ? { notes: result.notes } : {}),
  };
  const body =
    result.results.length === 1
      ? { ...nsgJson(result.results[0]!), ...common }
      : {
          nsgs: result.results.map(nsgJson),
          blocking: result.results.flatMap((nsg) => nsg.blocking.map((line) => `${nsg.nsg.name}: ${line}`)),
          unknown: result.results.flatMap((nsg) => nsg.unknown.map((line) => `${nsg.nsg.name}: ${line}`)),
          ...common,
        };
  return `${JSON.stringify(body, null, 2)}\n`;
}

function nsgTable(verdicts: NsgVerdicts, paint: ReturnType<typeof pc.createColors>): string {
  const rows = [['DIRECTION', 'PEER', 'PORT', 'MICROSOFT', 'PAGES', 'VERDICT', 'DECIDED BY']];
  for (const flow of verdicts.flows) {
    if (!flow.applies) continue;
    rows.push([flow.direction, flow.peer, `${flow.protocol}/${flow.port}`, flow.required ? 'required' : 'optional', flow.pages ? 'yes' : 'no', flow.verdict.toUpperCase(), flow.decidingRules.join(', ') || flow.decidedBy]);
  }
  const gating = (row: string[]) => row[3] === 'required' || row[4] === 'yes';
  let text = renderTable(rows, (row, cell, column) => {
    if (row === rows[0]) return paint.bold(cell);
    if (column !== 5) return cell;
    if (cell === 'ALLOWED') return paint.green(cell);
    if (cell === 'UNKNOWN') return paint.yellow(paint.bold(cell));
    return gating(row) ? paint.red(paint.bold(cell)) : paint.yellow(cell);
  });
  const unknown = verdicts.flows.filter((flow) => flow.applies && flow.verdict === 'unknown');
  if (unknown.length > 0) text += `\n\n${paint.bold('Cannot be judged')}\n${unknown.map((flow) => terminalSafe(`- ${flow.direction} ${flow.peer} ${flow.protocol}/${flow.port}: ${unknownReason(flow)}`)).join('\n')}`;
  if (verdicts.invalidRules.length > 0) {
    text += `\n\n${paint.bold('Rules with values Azure rejects or this tool cannot resolve')}\n${verdicts.invalidRules.map((rule) => terminalSafe(`- ${rule.rule}: ${rule.problems.join('; ')}`)).join('\n')}`;
  }
  const routes = verdicts.routes;
  if (routes) {
    const routeRows = [['PEER', 'NEXT HOP', 'OK', 'DECIDED BY']];
    for (const verdict of routes.verdicts) routeRows.push([verdict.peer, verdict.nextHopType, verdict.ok ? 'yes' : 'NO', verdict.decidedBy]);
    text += `\n\nRoute table ${terminalSafe(routes.routeTable)}\n${renderTable(routeRows, (row, cell, column) => (row === routeRows[0] ? paint.bold(cell) : column === 2 && cell === 'NO' ? paint.red(cell) : cell))}`;
    for (const finding of routes.findings) text += `\n- ${terminalSafe(finding)}`;
  }
  return text;
}

export function whatifTable(result: WhatifResult, useColour: boolean): string {
  const paint = pc.createColors(useColour);
  const header = `Service tags: ${result.serviceTags} · requirements: Microsoft's virtual network configuration reference, ${REQUIREMENTS_REVISION}`;
  const sections = [terminalSafe(header), ...result.notes.map((note) => terminalSafe(`Note: ${note}`))];
  for (const verdicts of result.results) sections.push(`${paint.bold(terminalSafe(`NSG ${verdicts.nsg.name}`))} (${terminalSafe(verdicts.nsg.where)})\n${nsgTable(verdicts, paint)}`);
  const several = result.results.length > 1;
  const lines = (pick: (nsg: NsgVerdicts) => string[]) => result.results.flatMap((nsg) => pick(nsg).map((line) => terminalSafe(several ? `${nsg.nsg.name}: ${line}` : line)));
  const code = whatifExitCode(result);
  sections.push(
    code === EXIT_HEALTHY
      ? paint.green(`OK: the proposal allows every flow APIM requires${several ? ` (${result.results.length} NSGs)` : ''}`)
      : code === EXIT_PAGING
        ? paint.red(`BLOCKED: ${lines((nsg) => nsg.blocking).join('; ')}`)
        : paint.yellow(`UNKNOWN: cannot judge ${lines((nsg) => nsg.unknown).join('; ')}`),
  );
  return `${sections.join('\n\n')}\n`;
}

export async function runWhatif(options: WhatifOptions): Promise<number> {
  try {
    const result = evaluateProposal(options);
    process.stdout.write(options.output === 'json' ? whatifJson(result) : whatifTable(result, Boolean(process.stdout.isTTY)));
    return whatifExitCode(result);
  } catch (err) {
    reportFatal(err);
    return EXIT_COULD_NOT_CHECK;
  }
}
