import pc from 'picocolors';
import { unknownReason } from '../analysis/nsg/evaluate.js';
import { nearMissNotes } from '../analysis/nsg/explain.js';
import { EXIT_HEALTHY, EXIT_PAGING } from './exit-codes.js';
import { renderTable } from './table.js';
import { lineText, terminalSafe } from './terminal-text.js';
import { whatifExitCode, type NsgVerdicts, type WhatifResult } from './whatif-types.js';

/** `whatif`'s two outputs: JSON for scripts, a table for people. */

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
      ...(flow.adminRule ? { admin_rule: { name: flow.adminRule.name, network_manager: flow.adminRule.networkManager, access: flow.adminRule.access, id: flow.adminRule.id } } : {}),
      ...(flow.note ? { note: flow.note } : {}),
    })),
    blocking: verdicts.blocking,
    unknown: verdicts.unknown,
    at_risk: verdicts.atRisk,
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
        ...(verdict.unknown ? { at_risk: { cause: verdict.unknown.cause, reason: verdict.unknown.reason } } : {}),
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
    requirements_revision: result.requirements.revision,
    ...(result.requirements.tier === 'v2' ? { requirements_tier: 'v2' } : {}),
    ...(result.adminRules ? { admin_rules: { file: result.adminRules.file, count: result.adminRules.count, network_managers: result.adminRules.networkManagers } } : {}),
    ...(result.notes.length > 0 ? { notes: result.notes } : {}),
  };
  const body =
    result.results.length === 1
      ? { ...nsgJson(result.results[0]!), ...common }
      : {
          nsgs: result.results.map(nsgJson),
          blocking: result.results.flatMap((nsg) => nsg.blocking.map((line) => `${nsg.nsg.name}: ${line}`)),
          unknown: result.results.flatMap((nsg) => nsg.unknown.map((line) => `${nsg.nsg.name}: ${line}`)),
          at_risk: result.results.flatMap((nsg) => nsg.atRisk.map((line) => `${nsg.nsg.name}: ${line}`)),
          ...common,
        };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** For each flow in the table that is not allowed, the Allow rules that nearly matched and why not: what a network engineer looks for first. */
function nearMissLines(verdicts: NsgVerdicts): string[] {
  return verdicts.flows.flatMap((flow) => {
    const misses = flow.applies && flow.verdict !== 'allowed' ? nearMissNotes(flow.note) : [];
    return misses.length > 0 ? [lineText(`- ${flow.direction} ${flow.peer} ${flow.protocol}/${flow.port}: ${misses.join('; ')}`)] : [];
  });
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
  const nearMisses = nearMissLines(verdicts);
  if (nearMisses.length > 0) text += `\n\n${paint.bold('Rules that nearly allow a flow that is not allowed')}\n${nearMisses.join('\n')}`;
  const unknown = verdicts.flows.filter((flow) => flow.applies && flow.verdict === 'unknown');
  if (unknown.length > 0) text += `\n\n${paint.bold('Cannot be judged')}\n${unknown.map((flow) => terminalSafe(`- ${flow.direction} ${flow.peer} ${flow.protocol}/${flow.port}: ${unknownReason(flow)}`)).join('\n')}`;
  if (verdicts.invalidRules.length > 0) {
    text += `\n\n${paint.bold('Rules with values Azure rejects or this tool cannot resolve')}\n${verdicts.invalidRules.map((rule) => terminalSafe(`- ${rule.rule}: ${rule.problems.join('; ')}`)).join('\n')}`;
  }
  const routes = verdicts.routes;
  if (routes) {
    const routeRows = [['PEER', 'NEXT HOP', 'OK', 'DECIDED BY']];
    for (const verdict of routes.verdicts) routeRows.push([verdict.peer, verdict.nextHopType, verdict.ok ? 'yes' : verdict.unknown ? 'AT RISK' : 'NO', verdict.decidedBy]);
    const okCell = (cell: string) => (cell === 'NO' ? paint.red(cell) : cell === 'AT RISK' ? paint.yellow(cell) : cell);
    text += `\n\nRoute table ${terminalSafe(routes.routeTable)}\n${renderTable(routeRows, (row, cell, column) => (row === routeRows[0] ? paint.bold(cell) : column === 2 ? okCell(cell) : cell))}`;
    for (const finding of routes.findings) text += `\n- ${terminalSafe(finding)}`;
  }
  return text;
}

export function whatifTable(result: WhatifResult, useColour: boolean): string {
  const paint = pc.createColors(useColour);
  const pages = result.requirements.tier === 'v2' ? "Microsoft's v2-tier virtual network pages" : "Microsoft's virtual network configuration reference";
  const header = `Service tags: ${result.serviceTags} · requirements: ${pages}, ${result.requirements.revision}`;
  const admin = result.adminRules;
  const adminLine = admin ? [`Security admin rules: ${admin.count} from ${admin.file}${admin.networkManagers.length > 0 ? ` (network manager ${admin.networkManagers.join(', ')})` : ''}, evaluated before the NSG`] : [];
  const sections = [terminalSafe(header), ...adminLine.map(terminalSafe), ...result.notes.map((note) => terminalSafe(`Note: ${note}`))];
  for (const verdicts of result.results) sections.push(`${paint.bold(terminalSafe(`NSG ${verdicts.nsg.name}`))} (${terminalSafe(verdicts.nsg.where)})\n${nsgTable(verdicts, paint)}`);
  const several = result.results.length > 1;
  const lines = (pick: (nsg: NsgVerdicts) => string[]) => result.results.flatMap((nsg) => pick(nsg).map((line) => terminalSafe(several ? `${nsg.nsg.name}: ${line}` : line)));
  const code = whatifExitCode(result);
  // The reasons are the route findings above; here, which peers.
  const atRisk = lines((nsg) => nsg.atRisk.map((line) => line.split(':')[0]!));
  if (atRisk.length > 0) sections.push(paint.yellow(`AT RISK (a firewall or appliance on the path decides; not a block): ${atRisk.join(', ')}`));
  sections.push(
    code === EXIT_HEALTHY
      ? paint.green(`OK: the proposal allows every flow APIM requires${several ? ` (${result.results.length} NSGs)` : ''}`)
      : code === EXIT_PAGING
        ? paint.red(`BLOCKED: ${lines((nsg) => nsg.blocking).join('; ')}`)
        : paint.yellow(`UNKNOWN: cannot judge ${lines((nsg) => nsg.unknown).join('; ')}`),
  );
  return `${sections.join('\n\n')}\n`;
}

