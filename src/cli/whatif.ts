import { readFileSync } from 'node:fs';
import { DEFAULT_PAGING_POLICY, type PagingPolicy } from '../analysis/paging-policy.js';
import { evaluateNsg, type FlowVerdict } from '../analysis/nsg.js';
import { evaluateRoutes, type RouteAnalysis } from '../analysis/routes.js';
import { normaliseNsg, normaliseRouteTable, normaliseServiceTags } from '../azure/normalise-network.js';
import { bundledServiceTagsBody } from '../data/bundled-service-tags.js';
import { shortRegion } from '../model/ids.js';
import type { VnetType } from '../model/snapshot.js';
import { reportFatal } from './errors.js';
import { ERROR_CODES, UserError } from '../errors.js';
import { renderTable } from './table.js';
import pc from 'picocolors';

export interface WhatifOptions {
  nsg: string;
  routeTable?: string;
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
    throw new WhatifInputError(`the ${what} file ${file} is not JSON (${(err as Error).message}); pass what \`az network ${what === 'NSG' ? 'nsg' : 'route-table'} show\` prints, or an ARM template`);
  }
}

export interface WhatifResult {
  flows: FlowVerdict[];
  routes?: RouteAnalysis;
  /** Required flows (or routes) that the proposal blocks. */
  blocking: string[];
}

/** Evaluates a proposed NSG (and route table) as APIM would live with it. */
export function evaluateProposal(options: WhatifOptions, paging: PagingPolicy = DEFAULT_PAGING_POLICY): WhatifResult {
  const nsg = normaliseNsg(readJson(options.nsg, 'NSG'));
  const routeTable = options.routeTable ? normaliseRouteTable(readJson(options.routeTable, 'route table')) : undefined;
  const tags = normaliseServiceTags(options.serviceTags ? readJson(options.serviceTags, 'service tags') : bundledServiceTagsBody());
  // The NSG's own location is the region (its regional tags count); a template expression is no region.
  const region = shortRegion(options.location ?? (nsg.location.startsWith('[') ? '' : nsg.location));
  const vnetType: VnetType = options.vnetType === 'internal' ? 'Internal' : 'External';
  const udrPrefixes = (routeTable?.routes ?? []).map((route) => route.addressPrefix);
  const flows = evaluateNsg(nsg, {
    vnetType,
    platformVersion: options.platform,
    paging,
    region,
    primaryRegion: options.primaryLocation ? shortRegion(options.primaryLocation) : region,
    serviceTags: tags,
    vnetAddressSpace: options.vnetAddressSpace ?? [],
    subnetPrefixes: [],
    udrPrefixes,
  });
  const blocking = flows
    .filter((flow) => (flow.required || flow.pages) && flow.verdict !== 'allowed')
    .map((flow) => `${flow.direction} ${flow.peer} ${flow.protocol}/${flow.port} (${flow.required ? 'required by Microsoft' : 'pages by policy'}) is ${flow.verdict} by ${flow.decidedBy}`);
  const result: WhatifResult = { flows, blocking };
  if (routeTable) {
    const routes = evaluateRoutes(routeTable, [], {
      region,
      primaryRegion: options.primaryLocation ? shortRegion(options.primaryLocation) : region,
      platformVersion: options.platform,
      serviceTags: tags,
      vnetAddressSpace: options.vnetAddressSpace ?? [],
    });
    result.routes = routes;
    const requiredPeers = new Set(flows.filter((flow) => flow.required || flow.pages).map((flow) => flow.peer));
    for (const verdict of routes.verdicts) {
      if (!verdict.ok && requiredPeers.has(verdict.peer)) blocking.push(`route ${verdict.decidedBy} sends ${verdict.peer} traffic to ${verdict.nextHopType}`);
    }
  }
  return result;
}

export function whatifJson(result: WhatifResult): string {
  const json: Record<string, unknown> = {
    flows: result.flows.map((flow) => ({
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
    blocking: result.blocking,
  };
  if (result.routes) {
    json.routes = {
      forced_tunnelling: result.routes.forcedTunnelling,
      management_return_route: result.routes.managementReturnRoute,
      verdicts: result.routes.verdicts.map((verdict) => ({
        dependency: verdict.dependency,
        peer: verdict.peer,
        next_hop_type: verdict.nextHopType,
        ok: verdict.ok,
        decided_by: verdict.decidedBy,
        ...(verdict.note ? { note: verdict.note } : {}),
      })),
      findings: result.routes.findings,
    };
  }
  return `${JSON.stringify(json, null, 2)}\n`;
}

export function whatifTable(result: WhatifResult, useColour: boolean): string {
  const paint = pc.createColors(useColour);
  const rows = [['DIRECTION', 'PEER', 'PORT', 'MICROSOFT', 'PAGES', 'VERDICT', 'DECIDED BY']];
  for (const flow of result.flows) {
    if (!flow.applies) continue;
    rows.push([flow.direction, flow.peer, `${flow.protocol}/${flow.port}`, flow.required ? 'required' : 'optional', flow.pages ? 'yes' : 'no', flow.verdict.toUpperCase(), flow.decidingRules.join(', ') || flow.decidedBy]);
  }
  let text = renderTable(rows, (row, cell, column) => {
    if (row === rows[0]) return paint.bold(cell);
    if (column !== 5) return cell;
    if (cell.startsWith('ALLOWED')) return paint.green(cell);
    return row[3] === 'required' || row[4] === 'yes' ? paint.red(paint.bold(cell)) : paint.yellow(cell);
  });
  if (result.routes) {
    const routeRows = [['PEER', 'NEXT HOP', 'OK', 'DECIDED BY']];
    for (const verdict of result.routes.verdicts) routeRows.push([verdict.peer, verdict.nextHopType, verdict.ok ? 'yes' : 'NO', verdict.decidedBy]);
    text += `\n\n${renderTable(routeRows, (row, cell, column) => (row === routeRows[0] ? paint.bold(cell) : column === 2 && cell === 'NO' ? paint.red(cell) : cell))}`;
    for (const finding of result.routes.findings) text += `\n- ${finding}`;
  }
  const verdict = result.blocking.length === 0
    ? paint.green('OK: the proposal allows every flow APIM requires')
    : paint.red(`BLOCKED: ${result.blocking.join('; ')}`);
  return `${text}\n\n${verdict}\n`;
}

export async function runWhatif(options: WhatifOptions): Promise<number> {
  try {
    const result = evaluateProposal(options);
    process.stdout.write(options.output === 'json' ? whatifJson(result) : whatifTable(result, Boolean(process.stdout.isTTY)));
    return result.blocking.length === 0 ? 0 : 1;
  } catch (err) {
    reportFatal(err);
    return 2;
  }
}
