/**
 * What a connectivity check's answer means to the product: connected, disconnected (by which hop and issue) or
 * unknown. Pure: the SDK's response in, the verdict out (docs: the PerformConnectivityCheck examples).
 */

/** The parts of the SDK's ConnectivityCheckResponse the verdict reads. */
export interface CheckResponseLike {
  connectionStatus?: string;
  avgLatencyInMs?: number;
  probesSent?: number;
  probesFailed?: number;
  hops?: Array<{ type?: string; address?: string; resourceId?: string; issues?: Array<{ origin?: string; severity?: string; type?: string; context?: Array<Record<string, string>> }> }>;
}

export interface ProbeIssue {
  /** What Azure found: NetworkSecurityRule, UserDefinedRoute, DnsResolution, Platform, ... */
  type: string;
  origin?: string;
  severity?: string;
  /** The hop that reported it: its type and address or resource. */
  hop?: string;
  context?: string;
}

export type ProbeVerdict =
  | { state: 'connected'; status: string; latencyMs?: number; degraded: boolean }
  | { state: 'disconnected'; status: string; issue?: ProbeIssue }
  | { state: 'unknown'; status: string };

// Azure's ConnectionStatus values (Unknown, Connected, Disconnected, Degraded) and the HTTP check's Reachable/Unreachable.
const CONNECTED = new Set(['connected', 'reachable', 'degraded']);
const DISCONNECTED = new Set(['disconnected', 'unreachable']);

function contextText(context: Array<Record<string, string>> | undefined): string | undefined {
  const parts = (context ?? []).flatMap((c) => Object.entries(c).map(([k, v]) => `${k}: ${v}`));
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** The first issue on the path, errors before warnings, with the hop that reported it. */
export function firstIssue(response: CheckResponseLike): ProbeIssue | undefined {
  const all = (response.hops ?? []).flatMap((hop) => (hop.issues ?? []).map((issue) => ({ hop, issue })));
  const pick = all.find(({ issue }) => issue.severity?.toLowerCase() === 'error') ?? all[0];
  if (!pick) return undefined;
  const { hop, issue } = pick;
  const where = [hop.type, hop.address ?? hop.resourceId].filter(Boolean).join(' ');
  const context = contextText(issue.context);
  return {
    type: issue.type ?? 'Unknown',
    ...(issue.origin ? { origin: issue.origin } : {}),
    ...(issue.severity ? { severity: issue.severity } : {}),
    ...(where ? { hop: where } : {}),
    ...(context ? { context } : {}),
  };
}

export function probeVerdict(response: CheckResponseLike): ProbeVerdict {
  const status = response.connectionStatus ?? 'Unknown';
  const key = status.toLowerCase();
  if (CONNECTED.has(key)) {
    return { state: 'connected', status, degraded: key === 'degraded', ...(typeof response.avgLatencyInMs === 'number' ? { latencyMs: response.avgLatencyInMs } : {}) };
  }
  if (DISCONNECTED.has(key)) {
    const issue = firstIssue(response);
    return { state: 'disconnected', status, ...(issue ? { issue } : {}) };
  }
  return { state: 'unknown', status };
}

/** One line for people: "connected (12 ms)", "disconnected by NetworkSecurityRule (Outbound, at Source 10.0.0.4)". */
export function verdictText(verdict: ProbeVerdict): string {
  if (verdict.state === 'connected') return `${verdict.degraded ? 'degraded' : 'connected'}${verdict.latencyMs !== undefined ? ` (${verdict.latencyMs} ms)` : ''}`;
  if (verdict.state === 'unknown') return `unknown (Azure answered ${verdict.status})`;
  const issue = verdict.issue;
  if (!issue) return 'disconnected (Azure named no issue)';
  const detail = [issue.origin, issue.hop ? `at ${issue.hop}` : undefined].filter(Boolean).join(', ');
  return `disconnected by ${issue.type}${detail ? ` (${detail})` : ''}${issue.context ? `: ${issue.context}` : ''}`;
}
