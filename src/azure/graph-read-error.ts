/**
 * Why a Resource Graph read (every page of one query) ended unread. The reader's own guards
 * (resource-graph.ts, graph-quota.ts) throw a GraphReadError; any other failure is classified from
 * what ARM answered. Each reason is a value of `apim_netwatch_resource_graph_reads_failed_total{reason}`.
 */
export const GRAPH_READ_FAILURES = ['repeated_skip_token', 'page_limit', 'deadline', 'quota', 'throttled', 'error'] as const;
export type GraphReadFailure = (typeof GRAPH_READ_FAILURES)[number];

/**
 * An error with a `code` like the SDK's RestError, so that every caller's fallback and logs take it as they
 * take ARM's (not a RestError subclass: its constructor resets the prototype, which would lose this class).
 */
export class GraphReadError extends Error {
  override name = 'GraphReadError';
  constructor(
    readonly reason: GraphReadFailure,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const isAbort = (err: unknown): boolean => (err as { name?: string } | undefined)?.name === 'AbortError';

/** The reason a read failed with `err`; undefined for an abort (a shutdown), which is no failure of Resource Graph's. */
export function graphReadFailureOf(err: unknown): GraphReadFailure | undefined {
  if (err instanceof GraphReadError) return err.reason;
  if (isAbort(err)) return undefined;
  return (err as { statusCode?: number } | undefined)?.statusCode === 429 ? 'throttled' : 'error';
}
