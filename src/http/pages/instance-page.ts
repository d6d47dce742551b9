import type { RegionConfigReport } from '../../analysis/network.js';
import { isAtRisk } from '../../analysis/routing/gateways.js';
import type { FleetReport, InstanceReport, RegionReport } from '../../analysis/report.js';
import { html, type SafeHtml } from '../html.js';
import { driftRows, driftTables } from './drift.js';
import { likelyCauseHtml, type PageContext, REFRESH_SECONDS } from './fleet-page.js';
import { changeSentence } from '../../analysis/change-text.js';
import { transitionSentence } from '../../analysis/transition.js';
import {
  ago,
  badge,
  changeNote,
  dependencyState,
  endpointProblem,
  endpointState,
  formatDuration,
  formatTime,
  healthBadge,
  provisioningBadge,
  regionDataAge,
  stateBadge,
} from './format.js';
import { layout } from './layout.js';

/**
 * `/instances/:id`: the lower-cased ARM resource ID (URL-decoded by the router), or the
 * `subscription/resourceGroup/name` triple; both case-insensitive.
 */
export function findInstance(report: FleetReport, key: { id: string } | { subscriptionId: string; resourceGroup: string; name: string }): InstanceReport | undefined {
  if ('id' in key) {
    const id = key.id.toLowerCase().replace(/\/+$/, '');
    return report.instances.find((instance) => instance.instance.id === id);
  }
  const sub = key.subscriptionId.toLowerCase();
  const group = key.resourceGroup.toLowerCase();
  const name = key.name.toLowerCase();
  return report.instances.find(
    (instance) => instance.instance.subscriptionId === sub && instance.instance.resourceGroup === group && instance.instance.name.toLowerCase() === name,
  );
}

/** `West Europe (westeurope)`, or the short name alone when Azure gave no display name. */
function regionName(display: string, location: string): string {
  return display && display.toLowerCase() !== location.toLowerCase() ? `${display} (${location})` : location;
}

function metaList(instance: InstanceReport, now: Date): SafeHtml {
  const info = instance.instance;
  const tags = Object.entries(info.tags);
  return html`<dl class="meta">
<dt>Resource ID</dt><dd><code>${info.id}</code></dd>
<dt>Subscription</dt><dd><code>${info.subscriptionId}</code></dd>
<dt>Resource group</dt><dd>${info.resourceGroup}</dd>
<dt>SKU · platform</dt><dd>${info.sku} · ${info.platformVersion}</dd>
<dt>VNet type</dt><dd>${info.vnetType}</dd>
<dt>Provisioning state</dt><dd>${info.provisioningState ?? html`<span class="muted">not given</span>`}${info.targetProvisioningState ? ` → ${info.targetProvisioningState}` : ''}</dd>
${info.notInResourceGraph ? html`<dt>Resource Graph</dt><dd>not indexed yet: found through ARM and read from the body ARM lists; the configuration watch covers it once Resource Graph shows it</dd>
` : ''}<dt>Regions</dt><dd>${info.regions.map((r) => `${regionName(r.displayLocation, r.location)}${r.primary ? ', primary' : ''}`).join('; ')}</dd>
<dt>Tags</dt><dd>${tags.length === 0 ? html`<span class="muted">none</span>` : tags.map(([k, v], i) => html`${i > 0 ? ', ' : ''}<code>${k}=${v}</code>`)}</dd>
<dt>NetworkStatus read</dt><dd>${instance.dataFetchedAt ? html`${formatTime(instance.dataFetchedAt)} (${ago(instance.dataFetchedAt, now)})` : html`<span class="muted">never</span>`}</dd>
</dl>`;
}

function dependenciesTable(region: RegionReport): SafeHtml {
  return html`<div class="table-wrap"><table>
<caption>Dependencies in ${region.displayLocation}: the worst of each dependency's endpoints</caption>
<thead><tr><th scope="col">Dependency</th><th scope="col">Status</th><th scope="col">Required</th><th scope="col">Pages</th><th scope="col">Endpoints</th><th scope="col">Likely cause</th></tr></thead>
<tbody>${region.dependencies.map(
    (d) => html`<tr><th scope="row">${d.dependency}</th><td>${stateBadge(dependencyState(d, region))}</td><td>${d.required ? 'required' : 'optional'}</td><td>${d.pages ? 'yes' : 'no'}</td><td>${d.endpoints - d.failingEndpoints.length} of ${d.endpoints} up</td><td class="small">${
      d.up ? '' : likelyCauseHtml(d, false)
    }</td></tr>`,
  )}</tbody>
</table></div>`;
}

function endpointsTable(region: RegionReport, now: Date): SafeHtml {
  const sorted = [...region.endpoints].sort((a, b) => Number(a.up) - Number(b.up) || a.dependency.localeCompare(b.dependency) || a.endpoint.localeCompare(b.endpoint));
  return html`<div class="table-wrap"><table>
<caption>NetworkStatus entries in ${region.displayLocation}, failing first; the API's error text under each failing one</caption>
<thead><tr><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col">Dependency</th><th scope="col">Resource type</th><th scope="col">Required</th><th scope="col">Last updated</th><th scope="col">Status since</th></tr></thead>
<tbody>${sorted.map((e) => {
    const state = endpointState(e);
    return html`<tr class="${state === 'UP' ? '' : 'has-error'}"><th scope="row" class="mono small endpoint">${e.endpoint}</th><td>${stateBadge(state)}${e.stale ? html` <span class="small">stale</span>` : ''}</td><td>${e.dependency}</td><td>${e.resourceType}</td><td>${e.required ? 'required' : 'optional'}</td><td class="small nowrap">${ago(e.lastUpdated, now)}</td><td class="small nowrap">${ago(e.lastStatusChange, now)}</td></tr>${
      state === 'UP' ? '' : html`<tr class="error-row"><td colspan="7"><span class="sr">Error of ${e.endpoint}: </span><div class="error">${endpointProblem(e, now)}</div></td></tr>`
    }`;
  })}</tbody>
</table></div>`;
}

const VERDICT_KIND = { allowed: 'up', denied: 'down', partial: 'warn', unknown: 'unknown' } as const;

function flowsTable(config: RegionConfigReport, location: string, now: Date): SafeHtml {
  if (config.flows.length === 0) return html`<p class="muted">No flows evaluated.</p>`;
  return html`<div class="table-wrap"><table>
<caption>APIM's flows in ${location}, judged against the VNet's security admin rules, then the subnet's NSG (first matching rule by priority wins)</caption>
<thead><tr><th scope="col">Flow</th><th scope="col">Verdict</th><th scope="col">Required</th><th scope="col">Dependency</th><th scope="col">Decided by</th><th scope="col">Note</th></tr></thead>
<tbody>${config.flows.map(
    (f) => html`<tr><th scope="row">${f.direction} ${f.peer} ${f.protocol}/${f.port}</th><td>${badge(VERDICT_KIND[f.verdict] ?? 'unknown', f.verdict.toUpperCase())}</td><td>${f.required ? 'required' : 'optional'}</td><td>${f.dependency}</td><td><code>${f.decidedBy}</code>${
      f.decidingRules.length > 1 ? html`<br><span class="small muted">also ${f.decidingRules.slice(1).join(', ')}</span>` : ''
    }</td><td class="small">${f.note ?? ''}${changeNote(f.change, now)}</td></tr>`,
  )}</tbody>
</table></div>`;
}

function routesSection(config: RegionConfigReport, location: string, now: Date): SafeHtml {
  const routes = config.routes;
  if (!routes) return html`<p class="muted">Routes not evaluated.</p>`;
  return html`<p>Forced tunnelling: <strong>${routes.forcedTunnelling ? 'yes' : 'no'}</strong>${routes.forcedTunnellingRoute ? html` (route <code>${routes.forcedTunnellingRoute}</code>)` : ''} · control-plane return route (ApiManagement to Internet): <strong>${
    routes.managementReturnRoute ? 'yes' : 'no'
  }</strong></p>
<div class="table-wrap"><table>
<caption>Where the subnet's effective routes send each dependency's traffic in ${location}</caption>
<thead><tr><th scope="col">Peer</th><th scope="col">Verdict</th><th scope="col">Dependency</th><th scope="col">Next hop</th><th scope="col">Decided by</th><th scope="col">Note</th></tr></thead>
<tbody>${routes.verdicts.map(
    (r) => html`<tr><th scope="row">${r.peer}</th><td>${r.unknown ? badge('unknown', isAtRisk(r.unknown.cause) ? 'AT RISK' : 'UNKNOWN') : r.ok ? badge('up', 'OK') : badge('down', 'DIVERTED')}</td><td>${r.dependency}</td><td>${r.nextHopType}${r.nextHopIpAddress ? ` ${r.nextHopIpAddress}` : ''}</td><td><code>${r.decidedBy}</code></td><td class="small">${r.unknown?.reason ?? r.note ?? ''}${changeNote(r.change, now)}</td></tr>`,
  )}</tbody>
</table></div>`;
}

/** Azure Virtual Network Manager's rules on the VNet: evaluated before the NSG, owned by someone else. */
function adminRulesText(config: RegionConfigReport): SafeHtml {
  const admin = config.adminRules;
  if (!admin) return html`<span class="muted">not read</span>`;
  if (admin.unreadable) return html`${badge('unknown', 'UNREADABLE')} <span class="small">${admin.unreadable}</span>`;
  if (admin.count === 0) return html`<span class="muted">none</span>`;
  return html`${admin.count} in force (network manager ${admin.networkManagers.join(', ')}), evaluated before the NSG`;
}

const DNS_KIND = { ok: 'up', missing: 'down', stale: 'down', unknown: 'unknown' } as const;

/** Internal mode: what each host name resolves to inside the VNet, against the region's private VIP. */
function privateDnsTable(config: RegionConfigReport, location: string): SafeHtml {
  const records = config.privateDns ?? [];
  if (records.length === 0) return html``;
  return html`<h3>Private DNS</h3><div class="table-wrap"><table>
<caption>The instance's host names in the private DNS zones linked to the VNet, in ${location}</caption>
<thead><tr><th scope="col">Host name</th><th scope="col">Record</th><th scope="col">Zone</th><th scope="col">Resolves to</th><th scope="col">Private VIP</th><th scope="col">Detail</th></tr></thead>
<tbody>${records.map(
    (r) => html`<tr><th scope="row" class="mono small">${r.hostname}</th><td>${badge(DNS_KIND[r.state], r.state.toUpperCase())}</td><td>${r.zone ?? ''}</td><td class="mono small">${r.found.join(', ')}</td><td class="mono small">${r.expected.join(', ')}</td><td class="small">${r.detail}</td></tr>`,
  )}</tbody>
</table></div>`;
}

/** The configuration changes the monitor saw in this region lately, newest first. */
function changesList(config: RegionConfigReport, now: Date): SafeHtml {
  const changes = config.changes ?? [];
  if (changes.length === 0) return html``;
  return html`<h3>Recent configuration changes</h3><ul class="findings">${changes.map((change) => html`<li>${changeSentence(change, now)}</li>`)}</ul>`;
}

function configSection(region: RegionReport, now: Date): SafeHtml {
  const config = region.config;
  if (!config) return html`<h3>Subnet configuration</h3><p class="muted">Not read (readNetworkConfig is off).</p>`;
  const ids = html`<dl class="meta">
<dt>Subnet</dt><dd>${config.subnetId ? html`<code>${config.subnetId}</code>` : html`<span class="muted">none</span>`}</dd>
<dt>NSG</dt><dd>${config.nsgId ? html`<code>${config.nsgId}</code>` : html`<span class="muted">none</span>`}</dd>
<dt>Route table</dt><dd>${config.routeTableId ? html`<code>${config.routeTableId}</code>` : html`<span class="muted">none</span>`}</dd>
<dt>Security admin rules</dt><dd>${adminRulesText(config)}</dd>
</dl>`;
  const findings = html`<h3>Findings</h3>${
    config.findings.length === 0 ? html`<p class="muted">None: the subnet meets APIM's requirements.</p>` : html`<ul class="findings">${config.findings.map((f) => html`<li>${f}</li>`)}</ul>`
  }`;
  if (config.state !== 'ok' && config.state !== 'no-service-tags') return html`<h3>Subnet configuration</h3>${ids}${findings}`;
  return html`<h3>Subnet configuration</h3>${ids}
${findings}
${changesList(config, now)}
<h3>NSG flows</h3>${flowsTable(config, region.location, now)}
<h3>Routes</h3>${routesSection(config, region.location, now)}
${privateDnsTable(config, region.location)}
<h3>Service endpoints</h3>
<div class="table-wrap"><table>
<caption>The subnet's service endpoints for ${region.location}</caption>
<thead><tr><th scope="col">Service</th><th scope="col">Enabled</th></tr></thead>
<tbody>${config.serviceEndpoints.map((e) => html`<tr><th scope="row">${e.service}</th><td>${e.enabled ? badge('up', 'YES') : badge('off', 'NO')}</td></tr>`)}</tbody>
</table></div>
<h3>DNS</h3>
<p>VNet DNS servers: <code>${config.dns.vnet.join(', ') || 'none'}</code> · APIM reports: <code>${config.dns.networkStatus.join(', ') || 'none'}</code> · ${
    config.dns.consistent ? badge('up', 'CONSISTENT') : badge('down', 'DIFFERENT')
  }</p>`;
}

function regionSection(instance: InstanceReport, region: RegionReport, report: FleetReport, now: Date): SafeHtml {
  const { newest, oldest } = regionDataAge(region, now);
  const drift = driftRows(report, instance.instance.id).filter((row) => row.location === region.location);
  return html`<h2 id="${`region-${region.location}`}">${regionName(region.displayLocation, region.location)}${region.primary ? html` <span class="muted">· primary</span>` : ''}</h2>
<p class="small muted">${
    region.data === 'no-data'
      ? 'NetworkStatus returned no entries for this region: no data, which is never healthy.'
      : region.data === 'not-available'
        ? `NetworkStatus not available for this tier (${instance.instance.sku}): judged on configuration alone. ${instance.networkStatusUnavailable ?? ''}`
        : newest === undefined
        ? 'No timestamps.'
        : `Newest entry ${formatDuration(newest)} old, oldest ${formatDuration(oldest ?? newest)} old.`
  }</p>
<h3>Dependencies</h3>${dependenciesTable(region)}
<h3>Endpoints</h3>${endpointsTable(region, now)}
${configSection(region, now)}
<h3>Drift</h3>${driftTables(drift, false, html`<p class="muted">No drift from its group.</p>`)}`;
}

export function instancePage(report: FleetReport, instance: InstanceReport, context: PageContext): string {
  const { now } = context;
  const info = instance.instance;
  const body = html`<p class="topnav"><a href="/">← Fleet</a><span>Last poll ${formatTime(report.generatedAt)}</span></p>
<h1>${info.name} ${healthBadge(instance.health)} ${provisioningBadge(instance.transition)}</h1>
${metaList(instance, now)}
${instance.transition ? html`<p class="card">${transitionSentence(instance.transition)}.${
  instance.transition.held && instance.dataFetchedAt ? ` Showing the status read ${formatTime(instance.dataFetchedAt)}, judged as of ${formatTime(instance.transition.since ?? instance.dataFetchedAt)}; no dependency or target alert fires while it is held.` : ''
}</p>` : ''}
${!instance.monitored ? html`<p class="ok-note">Not VNet-injected (virtualNetworkType ${info.vnetType}): there is no network path to watch.</p>` : ''}
${
  instance.failure
    ? html`<p class="card">Could not read this instance in the last poll: <code>${instance.failure.code}</code> ${instance.failure.message}${
        instance.dataFetchedAt ? ` (showing the data read ${formatTime(instance.dataFetchedAt)}, judged by its own timestamps)` : ''
      }</p>`
    : ''
}
${instance.regions.map((region) => regionSection(instance, region, report, now))}`;
  return layout({ title: `${info.name} · apim-netwatch`, simulated: context.simulated, body, refreshSeconds: REFRESH_SECONDS });
}
