import { likeWithLabel } from '../../analysis/drift-like-with.js';
import type { FleetReport } from '../../analysis/report.js';
import { html, type SafeHtml } from '../html.js';
import { instancePath } from './format.js';

export interface DriftRow {
  group: string;
  /** Whom the member was compared with: `External, stv2, classic`, and the aspect's cohort (`forced tunnelling`). */
  comparedWith?: string;
  instance: string;
  apimService: string;
  location: string;
  aspect: string;
  key: string;
  value: string;
  expected: string;
  expectedFrom: string[];
  /** An optional flow: shown, never drift (no metric, no alert). */
  optional: boolean;
}

/** Every difference of every drift group, drift first and then the optional ones, optionally of one instance only. */
export function driftRows(report: FleetReport, instanceId?: string): DriftRow[] {
  const members = report.drift.flatMap((group) =>
    group.members.filter((member) => instanceId === undefined || member.instance === instanceId).map((member) => ({ group: group.group, member })),
  );
  const rows = (optional: boolean) =>
    members.flatMap(({ group, member }) =>
      (optional ? (member.optionalDifferences ?? []) : member.differences).map(({ cohort, ...difference }) => {
        const comparedWith = [member.likeWith ? likeWithLabel(member.likeWith) : undefined, cohort].filter((part) => part !== undefined).join('; ');
        return {
          group,
          ...(comparedWith ? { comparedWith } : {}),
          instance: member.instance,
          apimService: member.apimService,
          location: member.location,
          ...difference,
          optional,
        };
      }),
    );
  return [...rows(false), ...rows(true)];
}

const ASPECTS: Record<string, string> = { flows: 'NSG flow', optional_flows: 'optional NSG flow', routes: 'route', service_endpoints: 'service endpoint', dns: 'DNS' };

const CAPTIONS = {
  drift: 'Where a member of a drift group differs from the members like it (same VNet mode, platform and tier; the most common value)',
  optional: 'Optional flows that differ between members alike: shown for information, not drift (no metric, no alert)',
};

function driftTable(rows: DriftRow[], withMember: boolean, caption: string): SafeHtml {
  return html`<div class="table-wrap"><table>
<caption>${caption}</caption>
<thead><tr>${withMember ? html`<th scope="col">Instance / region</th>` : html`<th scope="col">Region</th>`}<th scope="col">Group</th><th scope="col">What differs</th><th scope="col">This one</th><th scope="col">Group has</th><th scope="col">As in</th></tr></thead>
<tbody>${rows.map(
    (row) => html`<tr>
<th scope="row">${withMember ? html`<a href="${instancePath(row.instance)}">${row.apimService}</a> <span class="muted">(${row.location})</span>` : row.location}</th>
<td>${row.group}${row.comparedWith ? html` <span class="small muted">(${row.comparedWith})</span>` : ''}</td>
<td>${ASPECTS[row.aspect] ?? row.aspect}: <code>${row.key}</code>${row.optional ? html` <span class="small muted">optional · no alert</span>` : ''}</td>
<td><strong>${row.value}</strong></td>
<td>${row.expected}</td>
<td class="small">${row.expectedFrom.join(', ')}</td>
</tr>`,
  )}</tbody>
</table></div>`;
}

/** The drift table, then the optional differences in a table of their own; `none` when there is neither. */
export function driftTables(rows: DriftRow[], withMember: boolean, none: SafeHtml): SafeHtml {
  const drift = rows.filter((row) => !row.optional);
  const optional = rows.filter((row) => row.optional);
  return html`${drift.length === 0 ? none : driftTable(drift, withMember, CAPTIONS.drift)}
${optional.length === 0 ? '' : driftTable(optional, withMember, CAPTIONS.optional)}`;
}
