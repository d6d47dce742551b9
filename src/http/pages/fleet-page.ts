import { DEPENDENCIES, type Dependency } from '../../analysis/dependencies.js';
import type { DependencyReport, FleetReport, InstanceReport, RegionReport } from '../../analysis/report.js';
import { blockedOf, uncheckedOf, warningsOf } from '../../analysis/triage.js';
import { html, type SafeHtml } from '../html.js';
import {
  ago,
  badge,
  changeCell,
  dependencyState,
  endpointProblem,
  failingEndpoints,
  formatDuration,
  formatTime,
  healthBadge,
  provisioningBadge,
  instancePath,
  regionDataAge,
  secondsSince,
  stateBadge,
} from './format.js';
import { layout } from './layout.js';
import { describePolicy } from '../../analysis/paging-policy.js';
import { driftRows, driftTables } from './drift.js';

export const REFRESH_SECONDS = 60;

export interface PageContext {
  simulated: boolean;
  now: Date;
}

/** The dependencies present in the report, paging ones first, then the canonical order. */
function dependencyColumns(report: FleetReport): Dependency[] {
  const present = new Set<Dependency>();
  for (const instance of report.instances) for (const region of instance.regions) for (const d of region.dependencies) present.add(d.dependency);
  const paging = report.pagingDependencies.filter((d) => present.has(d));
  return [...paging, ...DEPENDENCIES.filter((d) => present.has(d) && !paging.includes(d))];
}

function summaryTiles(report: FleetReport): SafeHtml {
  const s = report.summary;
  const tile = (count: number, label: string, hot = false) => html`<li class="${hot && count > 0 ? 'hot' : ''}"><span class="n">${count}</span>${label}</li>`;
  return html`<ul class="tiles" aria-label="Fleet summary">
${tile(s.down, 'down', true)}${tile(s.degraded, 'degraded')}${tile(s.unknown, 'unknown')}${tile(s.healthy, 'healthy')}${tile(s.notMonitored, 'not VNet-injected')}
</ul>`;
}

interface Failing {
  instance: InstanceReport;
  region: RegionReport;
  dependency: DependencyReport;
}

function failingNow(report: FleetReport): Failing[] {
  const failing: Failing[] = [];
  for (const instance of report.instances) {
    for (const region of instance.regions) for (const dependency of region.dependencies) if (!dependency.up) failing.push({ instance, region, dependency });
  }
  // Paging first, then required, then by name: what wakes someone up comes first.
  const rank = (f: Failing) => (f.dependency.pages ? 0 : f.dependency.required ? 1 : 2);
  return failing.sort((a, b) => rank(a) - rank(b) || a.instance.instance.name.localeCompare(b.instance.instance.name) || a.region.location.localeCompare(b.region.location));
}

function requirementText(dependency: DependencyReport): string {
  return `${dependency.required ? 'required' : 'optional'}${dependency.pages ? ', pages on-call' : ', does not page'}`;
}

/** The cause's summary with the deciding rule or route set off as code (both escaped). */
function causeText(summary: string, decidedBy: string | undefined): SafeHtml {
  const at = decidedBy ? summary.indexOf(decidedBy) : -1;
  if (!decidedBy || at < 0) return html`${summary}${decidedBy ? html` (<code>${decidedBy}</code>)` : ''}`;
  return html`${summary.slice(0, at)}<code>${decidedBy}</code>${summary.slice(at + decidedBy.length)}`;
}

export function likelyCauseHtml(dependency: DependencyReport, label = true): SafeHtml {
  const cause = dependency.likelyCause;
  const prefix = label ? html`<strong>Likely cause:</strong> ` : '';
  if (!cause) return html`<p class="cause muted">${prefix}not evaluated (the subnet configuration was not read).</p>`;
  return html`<p class="cause">${prefix}${causeText(cause.summary, cause.decidedBy)}</p>`;
}

function failingSection(report: FleetReport, now: Date): SafeHtml {
  const failing = failingNow(report);
  if (failing.length === 0) {
    return html`<h2 id="failing">Failing now</h2><p class="ok-note">Nothing is failing: every dependency of every watched instance is up.</p>`;
  }
  const items = failing.map(({ instance, region, dependency }) => {
    const state = dependencyState(dependency, region);
    const endpoints = failingEndpoints(dependency, region);
    return html`<li class="card ${state === 'STALE' ? 'stale' : ''}">
<h3>${stateBadge(state)} <a href="${instancePath(instance.instance.id)}">${instance.instance.name}</a> <span class="muted">·</span> ${region.displayLocation} <span class="muted">·</span> ${dependency.dependency}</h3>
<p class="small muted">${requirementText(dependency)} · ${endpoints.length} of ${dependency.endpoints} endpoint${dependency.endpoints === 1 ? '' : 's'} failing</p>
${endpoints.map(
  (endpoint) => html`<p class="small"><code>${endpoint.endpoint}</code> <span class="muted">(${endpoint.resourceType}, status ${endpoint.status}, updated ${ago(endpoint.lastUpdated, now)})</span></p>
<div class="error">${endpointProblem(endpoint, now)}</div>`,
)}
${likelyCauseHtml(dependency)}
</li>`;
  });
  return html`<h2 id="failing">Failing now (${failing.length})</h2><ul class="failing">${items}</ul>`;
}

function blockedSection(report: FleetReport, now: Date): SafeHtml {
  const blocked = blockedOf(report);
  if (blocked.length === 0) return html``;
  return html`<h2 id="blocked">Blocked by configuration (${blocked.length})</h2>
<p class="muted">Required flows and routes that the VNet's security admin rules or the subnet's NSG or route table block, whether or not NetworkStatus shows it yet.</p>
<div class="table-wrap"><table>
<caption>Required flows and routes blocked by the subnet's configuration</caption>
<thead><tr><th scope="col">Instance</th><th scope="col">Region</th><th scope="col">What</th><th scope="col">Verdict</th><th scope="col">Decided by</th><th scope="col">Changed</th></tr></thead>
<tbody>${blocked.map(
    (b) => html`<tr><th scope="row"><a href="${instancePath(b.instance)}">${b.apim_service}</a></th><td>${b.location}</td><td>${b.what}</td><td>${badge(b.verdict === 'partial' ? 'warn' : 'down', b.verdict.toUpperCase())}</td><td><code>${b.decided_by}</code></td><td class="small">${changeCell(b.change, now)}</td></tr>`,
  )}</tbody>
</table></div>`;
}

function uncheckedSection(report: FleetReport): SafeHtml {
  const unchecked = uncheckedOf(report);
  if (unchecked.length === 0) return html``;
  return html`<h2 id="unchecked">Could not check (${unchecked.length})</h2>
<ul class="findings">${unchecked.map((u) => html`<li><code>${u.target}</code>: ${u.reason}</li>`)}</ul>`;
}

/** Findings that warn without paging: the subnet itself, internal mode's private DNS, admin rules that cannot be read. */
function warningsSection(report: FleetReport): SafeHtml {
  const warnings = warningsOf(report);
  if (warnings.length === 0) return html``;
  return html`<h2 id="warnings">Warnings (${warnings.length})</h2>
<ul class="findings">${warnings.map((w) => html`<li><a href="${instancePath(w.instance)}">${w.apim_service}</a> (${w.location}) ${w.kind}: ${w.detail}</li>`)}</ul>`;
}

/**
 * A dependency's required and optional endpoints in one cell: the state of the part that pages leads
 * (a failing optional FileStorage under a storage that pages on required endpoints is a warning, not red).
 */
function cell(parts: readonly DependencyReport[], region: RegionReport): SafeHtml {
  if (parts.length === 0) return html`<td class="cell muted"><span aria-hidden="true">–</span><span class="sr">not reported</span></td>`;
  const failing = parts.filter((part) => !part.up);
  const worst = failing.find((part) => part.pages) ?? failing[0] ?? parts[0]!;
  const state = dependencyState(worst, region);
  const tone = state === 'UP' ? '' : state === 'STALE' || !worst.pages ? 'warn' : 'bad';
  const note = failing.length === 0 ? (parts.some((part) => part.required) ? 'required' : 'optional') : failing.map((part) => (part.required ? 'required' : 'optional')).join(' + ');
  return html`<td class="cell ${tone}">${stateBadge(state)}<span class="req">${note}${failing.length > 0 && !worst.pages ? ', no page' : ''}</span></td>`;
}

function dataAgeCell(instance: InstanceReport, region: RegionReport, now: Date): SafeHtml {
  if (region.data === 'no-data') return html`<td>${badge('unknown', 'NO DATA')}</td>`;
  if (region.data === 'not-available') return html`<td>${badge('off', 'N/A')} <span class="small">v2 tier</span></td>`;
  const { newest, oldest } = regionDataAge(region, now);
  const fetched = secondsSince(instance.dataFetchedAt, now);
  return html`<td class="small">${newest === undefined ? 'no timestamps' : html`<span title="oldest entry ${oldest === undefined ? '' : formatDuration(oldest)} old">${formatDuration(newest)}</span>`}${
    !instance.targetUp && fetched !== undefined ? html`<br><span class="muted">read ${formatDuration(fetched)} ago (last read failed)</span>` : ''
  }</td>`;
}

function gridRows(report: FleetReport, columns: Dependency[], now: Date): SafeHtml[] {
  const rows: SafeHtml[] = [];
  const span = columns.length + 2;
  for (const instance of report.instances) {
    const name = html`<a href="${instancePath(instance.instance.id)}">${instance.instance.name}</a>`;
    if (!instance.monitored) {
      rows.push(html`<tr><th scope="row">${name}<br><span class="small muted">${instance.instance.regions[0]?.location ?? ''}</span></th><td colspan="${span}">${badge('off', 'NOT MONITORED')} <span class="muted">not VNet-injected (virtualNetworkType ${instance.instance.vnetType})</span></td></tr>`);
      continue;
    }
    if (instance.regions.length === 0) {
      rows.push(html`<tr><th scope="row">${name}</th><td colspan="${span}">${badge('unknown', 'UNREADABLE')} ${instance.failure ? `${instance.failure.code}: ${instance.failure.message}` : 'no NetworkStatus data'}</td></tr>`);
      continue;
    }
    for (const region of instance.regions) {
      const partsOf = (column: Dependency) => region.dependencies.filter((d) => d.dependency === column);
      rows.push(html`<tr>
<th scope="row">${name}<br><span class="small muted">${region.location}${region.primary && instance.regions.length > 1 ? ' (primary)' : ''}</span></th>
<td>${healthBadge(instance.health)}${instance.transition ? html` ${provisioningBadge(instance.transition)}` : ''}</td>
${dataAgeCell(instance, region, now)}
${columns.map((column) => cell(partsOf(column), region))}
</tr>`);
    }
  }
  for (const target of report.unresolvedTargets) {
    rows.push(html`<tr><th scope="row">${target.name}</th><td colspan="${span}">${badge('unknown', 'UNREADABLE')} ${target.failure.code}: ${target.failure.message}</td></tr>`);
  }
  return rows;
}

function gridSection(report: FleetReport, now: Date): SafeHtml {
  const columns = dependencyColumns(report);
  const scope = report.pagingPolicy;
  return html`<h2 id="fleet">Fleet</h2>
<div class="table-wrap"><table class="grid">
<caption>Every instance and region (rows) by dependency (columns): UP, DOWN or STALE (stopped updating, which counts as down), and whether the API marks it required or optional. Columns marked "pages" wake on-call when their required endpoints fail ("pages: any" when any endpoint fails); a failing endpoint that does not page is amber. Data age: the newest NetworkStatus entry of the region.</caption>
<thead><tr><th scope="col">Instance / region</th><th scope="col">Health</th><th scope="col">Data age</th>${columns.map(
    (column) => html`<th scope="col">${column}${scope[column] ? html`<span class="pages">${scope[column] === 'any' ? 'pages: any' : 'pages'}</span>` : ''}</th>`,
  )}</tr></thead>
<tbody>${gridRows(report, columns, now)}</tbody>
</table></div>`;
}

function driftSection(report: FleetReport): SafeHtml {
  const rows = driftRows(report);
  const dns = report.instances.flatMap((instance) =>
    instance.regions.filter((region) => region.config && !region.config.dns.consistent).map((region) => ({ instance, region })),
  );
  return html`<h2 id="drift">Drift</h2>
${driftTables(rows, true, html`<p class="muted">No configuration drift: the members of each drift group, compared like with like, allow the same required flows, route alike and have the service endpoints forced tunnelling needs alike.</p>`)}
${dns.map(
  ({ instance, region }) =>
    html`<p><a href="${instancePath(instance.instance.id)}">${instance.instance.name}</a> (${region.location}): APIM uses DNS <code>${region.config!.dns.networkStatus.join(', ')}</code> but its VNet says <code>${region.config!.dns.vnet.join(', ')}</code>.</p>`,
)}`;
}

export function fleetPage(report: FleetReport, context: PageContext): string {
  const { now } = context;
  const s = report.summary;
  const pollAge = secondsSince(report.generatedAt, now);
  const body = html`<h1>APIM network status</h1>
<p class="topnav"><span>Last poll ${formatTime(report.generatedAt)}${pollAge === undefined ? '' : ` (${formatDuration(pollAge)} ago)`} · ${s.instances} instance${s.instances === 1 ? '' : 's'}, ${s.monitored} watched · an entry not updated for ${formatDuration(report.staleAfterSeconds)} is stale</span><span>Paging: ${describePolicy(report.pagingPolicy)}</span></p>
${summaryTiles(report)}
${failingSection(report, now)}
${blockedSection(report, now)}
${uncheckedSection(report)}
${warningsSection(report)}
${gridSection(report, now)}
${driftSection(report)}`;
  const title = s.down > 0 ? `${s.down} down · apim-netwatch` : 'apim-netwatch: fleet status';
  return layout({ title, simulated: context.simulated, body, refreshSeconds: REFRESH_SECONDS });
}
