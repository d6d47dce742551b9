import pc from 'picocolors';
import type { FleetReport, InstanceReport } from '../analysis/report.js';
import { renderTable } from './table.js';
import { cellText, lineText } from './terminal-text.js';
import { changeSentence, lastWriteSentence } from '../analysis/change-text.js';
import type { Blocked } from '../analysis/triage.js';
import type { ChangeAuthor } from '../model/config-change.js';
import { blockedOf, endpointState, failingEndpoints, failureState, problemsOf, provisioningEntry, uncheckedOf, warningsOf } from '../analysis/triage.js';
import { describePolicy } from '../analysis/paging-policy.js';
import { exitCodeOf } from './exit-codes.js';

export const CHECK_JSON_SCHEMA = 'apim-netwatch/check/v1';

interface Terminal {
  isTTY?: boolean;
}

/**
 * Colour on a terminal only, and as the user says: `NO_COLOR` (set and not empty) turns it off, as
 * picocolors does, whatever else is set; `FORCE_COLOR` turns it on even into a pipe (`0` or `false`: off);
 * `TERM=dumb` turns it off.
 */
export function colourEnabled(stream: Terminal, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export interface Progress {
  update(done: number, total: number): void;
  /** Clears the line; the table (or the error) starts on a clean line. */
  finish(): void;
}

/**
 * `polling 12/1000 instances`, rewritten in place on a terminal (at most every `intervalMs`, and always
 * the first and the last), cleared at the end. Nothing at all when the stream is not a TTY.
 */
export function createProgress(stream: Terminal & { write(text: string): unknown }, intervalMs = 100, now: () => number = Date.now): Progress {
  if (!stream.isTTY) return { update() {}, finish() {} };
  let shown = false;
  let last = -Infinity;
  return {
    update(done, total) {
      const time = now();
      if (done !== 0 && done !== total && time - last < intervalMs) return;
      last = time;
      shown = true;
      stream.write(`\r\x1b[2Kpolling ${done}/${total} instance${total === 1 ? '' : 's'}`);
    },
    finish() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** The newest recorded write to each resource behind a blocked verdict, by lower-cased ID (`latestWrites`). */
export type LastWrites = ReadonlyMap<string, ChangeAuthor>;

/** A blocked verdict with the last write to the resource that decides it, when its own change is not known. */
function withLastWrite(blocked: Blocked, lastWrites: LastWrites): Blocked & { last_write?: ChangeAuthor } {
  const write = !blocked.change && blocked.resource_id ? lastWrites.get(blocked.resource_id.toLowerCase()) : undefined;
  return write ? { ...blocked, last_write: write } : blocked;
}

/** Under a blocked verdict: the change that made it, or else the last write to its resource. */
function whoLine(blocked: Blocked & { last_write?: ChangeAuthor }): string[] {
  if (blocked.change) return [`    changed: ${changeSentence(blocked.change)}`];
  if (blocked.last_write && blocked.resource_id) return [`    ${lastWriteSentence(blocked.resource_id, blocked.last_write)}`];
  return [];
}

/**
 * An instance's provisioning in `check --output json`: `provisioning_state` (and `target_provisioning_state`) as ARM
 * gives them; `transition` while it transitions (its status held) or is stuck, or when its last operation failed.
 */
function provisioningJson(instance: InstanceReport): Record<string, unknown> {
  const entry = provisioningEntry(instance);
  return {
    ...(instance.instance.provisioningState ? { provisioning_state: instance.instance.provisioningState } : {}),
    ...(instance.instance.targetProvisioningState ? { target_provisioning_state: instance.instance.targetProvisioningState } : {}),
    ...(entry ? { transition: { state: entry.state, since: entry.since, detail: entry.detail } } : {}),
    // Found through ARM's list: Resource Graph (and so the configuration watch) does not show it yet.
    ...(instance.instance.notInResourceGraph ? { not_in_resource_graph: true } : {}),
  };
}

/** `check --output json`: stable for scripts (README, "check --output json"). */
export function checkJson(report: FleetReport, lastWrites: LastWrites = new Map()): string {
  return `${JSON.stringify(
    {
      schema: CHECK_JSON_SCHEMA,
      generated_at: report.generatedAt,
      exit_code: exitCodeOf(report),
      summary: report.summary,
      problems: problemsOf(report),
      blocked: blockedOf(report).map((b) => withLastWrite(b, lastWrites)),
      unchecked: uncheckedOf(report),
      warnings: warningsOf(report),
      instances: report.instances.map((instance) => ({
        id: instance.instance.id,
        subscription_id: instance.instance.subscriptionId,
        resource_group: instance.instance.resourceGroup,
        apim_service: instance.instance.name,
        vnet_type: instance.instance.vnetType,
        platform_version: instance.instance.platformVersion,
        health: instance.health,
        target_up: instance.targetUp,
        ...provisioningJson(instance),
        regions: instance.regions.map((region) => ({
          location: region.location,
          primary: region.primary,
          data: region.data,
          dependencies: region.dependencies.map((dependency) => ({
            dependency: dependency.dependency,
            required: dependency.required,
            pages: dependency.pages,
            up: dependency.up,
            stale: dependency.stale,
          })),
        })),
      })),
    },
    null,
    2,
  )}\n`;
}

/** `check --output table`: one row per instance x region x dependency; colour only on a TTY. */
export function checkTable(report: FleetReport, useColour: boolean, lastWrites: LastWrites = new Map()): string {
  const paint = pc.createColors(useColour);
  const rows: string[][] = [['INSTANCE', 'REGION', 'DEPENDENCY', 'REQUIRED', 'PAGES', 'STATUS', 'DETAIL']];
  for (const instance of report.instances) {
    if (!instance.monitored) {
      rows.push([instance.instance.name, instance.instance.regions[0]?.location ?? '', '-', '-', '-', 'SKIPPED', 'not VNet-injected (virtualNetworkType None)']);
      continue;
    }
    const provisioning = provisioningEntry(instance);
    if (provisioning && !instance.failure) rows.push([instance.instance.name, '-', '-', '-', '-', provisioning.state.toUpperCase(), provisioning.detail]);
    if (instance.failure) rows.push([instance.instance.name, '-', '-', '-', '-', 'UNREADABLE', `${instance.failure.code}: ${instance.failure.message}`]);
    for (const region of instance.regions) {
      if (region.data === 'no-data') rows.push([instance.instance.name, region.location, '-', '-', '-', 'NO DATA', 'NetworkStatus returned no entries']);
      if (region.data === 'not-available') rows.push([instance.instance.name, region.location, '-', '-', '-', 'N/A', `NetworkStatus not available for this tier (${instance.instance.sku}): judged on configuration alone`]);
      for (const dependency of region.dependencies) {
        const failing = failingEndpoints(dependency, region);
        const status = dependency.up ? 'UP' : failureState(failing).toUpperCase();
        const detail = failing
          .map((endpoint) =>
            endpoint.clockSkew
              ? `${endpoint.endpoint}: ${endpoint.clockSkew}`
              : endpointState(endpoint) === 'stale'
                ? `${endpoint.endpoint}: not updated since ${endpoint.lastUpdated ?? 'never'}`
                : `${endpoint.endpoint}: ${endpoint.error || endpoint.status}`,
          )
          .join('; ');
        rows.push([instance.instance.name, region.location, dependency.dependency, dependency.required ? 'yes' : 'no', dependency.pages ? 'yes' : 'no', status, detail]);
      }
    }
  }
  for (const target of report.unresolvedTargets) rows.push([target.name, '-', '-', '-', '-', 'UNREADABLE', `${target.failure.code}: ${target.failure.message}`]);
  const table = renderTable(rows, (row, cell, column) => {
    if (row === rows[0]) return paint.bold(cell);
    if (column !== 5) return cell;
    if (/^UP/.test(cell)) return paint.green(cell);
    if (/^(DOWN|UNREADABLE)/.test(cell)) return row[4] === 'yes' || row[4] === '-' ? paint.red(paint.bold(cell)) : paint.yellow(cell);
    return paint.yellow(cell);
  });
  const code = exitCodeOf(report);
  const paging = problemsOf(report).filter((problem) => problem.pages);
  const blocked = blockedOf(report);
  const causes = report.instances.flatMap((instance) =>
    instance.regions.flatMap((region) =>
      region.dependencies
        .filter((dependency) => dependency.likelyCause && dependency.likelyCause.kind !== 'unknown')
        .map((dependency) => lineText(`  ${instance.instance.name} (${region.location}) ${dependency.dependency}: ${dependency.likelyCause!.summary}`)),
    ),
  );
  const sections = [table];
  if (causes.length > 0) sections.push(`${paint.bold('Likely causes')}\n${causes.join('\n')}`);
  if (blocked.length > 0) {
    sections.push(
      `${paint.bold('Blocked by configuration')}\n${blocked
        .flatMap((b) => [`  ${b.apim_service} (${b.location}) ${b.what}: ${b.verdict} by ${b.deciding_rules.join(', ')}${b.note ? ` (${b.note})` : ''}`, ...whoLine(withLastWrite(b, lastWrites))].map((line) => lineText(line)))
        .join('\n')}`,
    );
  }
  // Listed whatever the exit code: a paging problem elsewhere (exit 1) must not hide what went unjudged.
  const unchecked = uncheckedOf(report);
  if (unchecked.length > 0) sections.push(`${paint.bold('Could not check')}\n${unchecked.map((u) => lineText(`  ${u.target}: ${u.reason}`)).join('\n')}`);
  const warnings = warningsOf(report);
  if (warnings.length > 0) sections.push(`${paint.bold('Warnings')}\n${warnings.map((w) => lineText(`  ${w.apim_service} (${w.location}) ${w.kind}: ${w.detail}`)).join('\n')}`);
  const reasons = [
    ...paging.map((p) => `${p.dependency} ${p.state} in ${p.apim_service} (${p.location})`),
    ...blocked.map((b) => `${b.what} ${b.verdict} in ${b.apim_service} (${b.location})`),
  ].map((reason) => cellText(reason));
  const verdict =
    code === 0
      ? paint.green(`OK: nothing that pages is down or blocked (paging: ${describePolicy(report.pagingPolicy)})`)
      : code === 1
        ? paint.red(`PAGING: ${reasons.join(', ')}`)
        : paint.yellow(`COULD NOT CHECK: ${unchecked.map((u) => cellText(`${u.target}: ${u.reason}`, 600)).join('; ')}`);
  sections.push(verdict);
  return `${sections.join('\n\n')}\n`;
}
