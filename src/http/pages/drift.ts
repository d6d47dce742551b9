import type { FleetReport } from '../../analysis/report.js';
import { html, type SafeHtml } from '../html.js';
import { instancePath } from './format.js';

export interface DriftRow {
  group: string;
  instance: string;
  apimService: string;
  location: string;
  aspect: string;
  key: string;
  value: string;
  expected: string;
  expectedFrom: string[];
}

/** Every difference of every drift group, optionally of one instance only. */
export function driftRows(report: FleetReport, instanceId?: string): DriftRow[] {
  return report.drift.flatMap((group) =>
    group.members
      .filter((member) => instanceId === undefined || member.instance === instanceId)
      .flatMap((member) =>
        member.differences.map((difference) => ({
          group: group.group,
          instance: member.instance,
          apimService: member.apimService,
          location: member.location,
          ...difference,
        })),
      ),
  );
}

const ASPECTS: Record<string, string> = { flows: 'NSG flow', routes: 'route', service_endpoints: 'service endpoint', dns: 'DNS' };

export function driftTable(rows: DriftRow[], withMember: boolean): SafeHtml {
  return html`<div class="table-wrap"><table>
<caption>Where a member of a drift group differs from the rest of its group (the most common value)</caption>
<thead><tr>${withMember ? html`<th scope="col">Instance / region</th>` : html`<th scope="col">Region</th>`}<th scope="col">Group</th><th scope="col">What differs</th><th scope="col">This one</th><th scope="col">Group has</th><th scope="col">As in</th></tr></thead>
<tbody>${rows.map(
    (row) => html`<tr>
<th scope="row">${withMember ? html`<a href="${instancePath(row.instance)}">${row.apimService}</a> <span class="muted">(${row.location})</span>` : row.location}</th>
<td>${row.group}</td>
<td>${ASPECTS[row.aspect] ?? row.aspect}: <code>${row.key}</code></td>
<td><strong>${row.value}</strong></td>
<td>${row.expected}</td>
<td class="small">${row.expectedFrom.join(', ')}</td>
</tr>`,
  )}</tbody>
</table></div>`;
}
