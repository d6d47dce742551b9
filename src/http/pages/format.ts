import type { DependencyReport, EndpointReport, InstanceHealth, RegionReport, TransitionReport } from '../../analysis/report.js';
import { endpointState as endpointStateOf, failingEndpoints, failureState } from '../../analysis/triage.js';
import { html, type SafeHtml } from '../html.js';
import { changeSentence } from '../../analysis/change-text.js';
import type { VerdictChange } from '../../model/config-change.js';

export { failingEndpoints };

/** A verdict's change, under its note: what it was, and the change that made it (who, once recorded). */
export function changeNote(change: VerdictChange | undefined, now: Date): SafeHtml {
  if (!change) return html``;
  return html`<br><span class="change">Was ${change.previousVerdict}; changed: ${changeSentence(change, now)}</span>`;
}

/** A cell of a table of verdicts: the change that made the verdict, or a dash. */
export function changeCell(change: VerdictChange | undefined, now: Date): SafeHtml {
  return change ? html`${changeSentence(change, now)}` : html`<span class="muted">–</span>`;
}

/** The status page's link to an instance: the lower-cased ARM resource ID, URL-encoded as one segment. */
export function instancePath(id: string): string {
  return `/instances/${encodeURIComponent(id.toLowerCase())}`;
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

export function secondsSince(iso: string | undefined, now: Date): number | undefined {
  if (!iso) return undefined;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : (now.getTime() - time) / 1000;
}

/** `2026-11-22 21:53 UTC`. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return 'never';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A `<time>` showing how long ago, with the absolute time on hover and for machines. */
export function ago(iso: string | undefined, now: Date): SafeHtml {
  const seconds = secondsSince(iso, now);
  if (seconds === undefined) return html`<span class="muted">never</span>`;
  return html`<time datetime="${iso}" title="${formatTime(iso)}">${formatDuration(seconds)} ago</time>`;
}

export type StatusKind = 'up' | 'down' | 'stale' | 'warn' | 'unknown' | 'off';

const ICONS: Record<StatusKind, string> = { up: '✓', down: '✕', stale: '◷', warn: '!', unknown: '?', off: '–' };

/** A status badge: the word always carries the meaning; colour and icon only repeat it. */
export function badge(kind: StatusKind, text: string): SafeHtml {
  return html`<span class="badge b-${kind}"><span class="icon" aria-hidden="true">${ICONS[kind]}</span>${text}</span>`;
}

/** UP, DOWN or STALE (every failing endpoint reports success but stopped updating). */
export function dependencyState(dependency: DependencyReport, region: RegionReport): 'UP' | 'DOWN' | 'STALE' {
  if (dependency.up) return 'UP';
  return failureState(failingEndpoints(dependency, region)) === 'stale' ? 'STALE' : 'DOWN';
}

/** The analysis's state of an endpoint, as the page writes it. */
export function endpointState(endpoint: EndpointReport): 'UP' | 'DOWN' | 'STALE' {
  return endpointStateOf(endpoint).toUpperCase() as 'UP' | 'DOWN' | 'STALE';
}

export function stateBadge(state: 'UP' | 'DOWN' | 'STALE'): SafeHtml {
  return badge(state === 'UP' ? 'up' : state === 'STALE' ? 'stale' : 'down', state);
}

const HEALTH: Record<InstanceHealth, [StatusKind, string]> = {
  healthy: ['up', 'HEALTHY'],
  degraded: ['warn', 'DEGRADED'],
  down: ['down', 'DOWN'],
  unknown: ['unknown', 'UNKNOWN'],
  'not-monitored': ['off', 'NOT MONITORED'],
};

export function healthBadge(health: InstanceHealth): SafeHtml {
  const [kind, text] = HEALTH[health];
  return badge(kind, text);
}

/** Beside the health: an instance transitioning (its status held), stuck, or whose last operation failed. */
export function provisioningBadge(transition: TransitionReport | undefined): SafeHtml | '' {
  if (!transition) return '';
  if (transition.failed) return badge('warn', `${transition.provisioningState.toUpperCase()}`);
  return transition.stuck ? badge('down', `STUCK ${transition.provisioningState.toUpperCase()}`) : badge('unknown', `TRANSITIONING: ${transition.provisioningState.toUpperCase()}`);
}

/** Age of a region's data: its newest and oldest `lastUpdated`. */
export function regionDataAge(region: RegionReport, now: Date): { newest?: number; oldest?: number } {
  const ages = region.endpoints.map((endpoint) => secondsSince(endpoint.lastUpdated, now)).filter((age): age is number => age !== undefined);
  if (ages.length === 0) return {};
  return { newest: Math.min(...ages), oldest: Math.max(...ages) };
}

/** A failing endpoint in one line: the API's error text, or how long it has not been updated. */
export function endpointProblem(endpoint: EndpointReport, now: Date): string {
  if (endpoint.clockSkew) return endpoint.clockSkew;
  if (endpointStateOf(endpoint) === 'stale') {
    const age = secondsSince(endpoint.lastUpdated, now);
    return `status not updated for ${age === undefined ? 'ever' : formatDuration(age)} (last update ${formatTime(endpoint.lastUpdated)}): the platform lost contact with it`;
  }
  return endpoint.error || `status ${endpoint.status}`;
}
