import type { ApiManagementServiceResource } from '@azure/arm-apimanagement';
import type { ServiceClient } from '@azure/core-client';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { armJsonBody, isObject } from './arm-response.js';
import { flatten } from './normalise-json.js';
import { GRAPH_REFUSAL_RETRIES, GraphQuota } from './graph-quota.js';
import { PagingGuard, ReadDeadline } from './graph-paging-guard.js';
import { GraphReadError, graphReadFailureOf, type GraphReadFailure } from './graph-read-error.js';
import { retryAfterMs, userQuotaOf } from './policies.js';

/**
 * Azure Resource Graph (`POST /providers/Microsoft.ResourceGraph/resources`, 2024-04-01): one paged
 * query reads a resource type across every subscription, where per-resource GETs would cost one ARM
 * request each.
 *
 * Sent through an `@azure/core-client` ServiceClient built with exactly the options of the APIM and
 * Network SDK clients (same retry policy honouring `Retry-After`, same request observer, per-attempt
 * timeout and simulator CA). The installed `@azure/arm-resourcegraph` 4.x is the previous SDK
 * generation (`@azure/ms-rest-js`): its own pipeline would bypass those policies, and it pins
 * api-version 2021-03-01. The 5.x client (core-client based) can replace `ResourceGraphReader.page`
 * one for one.
 *
 * The queries stay in the simplest KQL shapes (the simulator interprets exactly these).
 */

export const RESOURCE_GRAPH_API_VERSION = '2024-04-01';
/** Resource Graph's largest page. */
export const RESOURCE_GRAPH_MAX_TOP = 1000;
/** Subscriptions per request at most; more are queried in several requests. */
export const RESOURCE_GRAPH_MAX_SUBSCRIPTIONS = 1000;
/** A read (every page of one query) that has not ended after this long fails; the poll passes `azure.targetTimeoutSeconds` (the same default). */
export const GRAPH_READ_DEADLINE_MS = 120_000;

export const APIM_SERVICES_QUERY = "Resources | where type =~ 'microsoft.apimanagement/service'";
export const NETWORK_QUERY =
  "Resources | where type in~ ('microsoft.network/virtualnetworks', 'microsoft.network/networksecuritygroups', 'microsoft.network/routetables', 'microsoft.network/virtualnetworkgateways')";

/** Resource IDs never hold quotes, backslashes or line breaks; one that does is not put into a query. */
export const quotable = (id: string): boolean => !/['"\\\n]/.test(id);

export type GraphRow = Record<string, unknown> & { id: string };

export interface GraphPage {
  data: GraphRow[];
  totalRecords?: number;
  skipToken?: string;
}


export class ResourceGraphReader {
  constructor(
    private readonly client: ServiceClient,
    private readonly endpoint: string,
    private readonly quota: GraphQuota = new GraphQuota(),
    /** Told once per read that fails (not for an abort): the self-metrics count it. */
    private readonly onReadFailed: (reason: GraphReadFailure) => void = () => undefined,
  ) {}

  /**
   * One page of a query over `subscriptions`. Throws a RestError (statusCode, code) when ARM refuses; a
   * refusal (429) is told to the quota, with its Retry-After, so that the watch backs off.
   */
  async page(subscriptions: readonly string[], query: string, top: number, skipToken?: string, abortSignal?: AbortSignal): Promise<GraphPage> {
    const url = `${this.endpoint.replace(/\/+$/, '')}/providers/Microsoft.ResourceGraph/resources?api-version=${RESOURCE_GRAPH_API_VERSION}`;
    const options: Record<string, unknown> = { $top: top, resultFormat: 'objectArray' };
    if (skipToken) options.$skipToken = skipToken;
    const request = createPipelineRequest({
      url,
      method: 'POST',
      headers: createHttpHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
      body: JSON.stringify({ subscriptions, query, options }),
      ...(abortSignal ? { abortSignal } : {}),
    });
    let response;
    try {
      response = await this.client.sendRequest(request);
    } catch (err) {
      // A Retry-After beyond azure.maxRetryAfterSeconds fails in the pipeline, without the response.
      if (err instanceof RestError && err.code === 'Throttled' && err.statusCode === 429) this.quota.refusedBeyondCap();
      throw err;
    }
    if (response.status === 429) this.quota.refused(retryAfterMs(response.status, response.headers));
    const body = armJsonBody(request, response, 'Resource Graph answered');
    if (!isObject(body) || !Array.isArray(body.data)) {
      throw new RestError('Resource Graph answered without a "data" array (objectArray results expected)', {
        code: 'PARSE_ERROR',
        statusCode: response.status,
        request,
        response,
      });
    }
    const skip = typeof body.$skipToken === 'string' && body.$skipToken !== '' ? body.$skipToken : undefined;
    if (!skip && String(body.resultTruncated).toLowerCase() === 'true') {
      // Without a $skipToken the rest cannot be read: a partial fleet must not pass for the whole one.
      throw new RestError('Resource Graph truncated the results and gave no $skipToken', { code: 'ResultTruncated', statusCode: response.status });
    }
    if (body.data.length > top) {
      throw new GraphReadError('error', 'GraphPageTooLarge', `Resource Graph answered ${body.data.length} rows to a page of ${top}`);
    }
    const page: GraphPage = {
      data: body.data.filter((row): row is GraphRow => isObject(row) && typeof row.id === 'string'),
    };
    if (typeof body.totalRecords === 'number') page.totalRecords = body.totalRecords;
    if (skip) page.skipToken = skip;
    return page;
  }

  /**
   * Every row of a query, page by page: pages follow `$skipToken` one after the other; groups of at
   * most 1000 subscriptions are queried side by side through `run` (the caller's concurrency limit).
   * Each page goes to `onPage` as it arrives, one page at a time; a group reads its next page while
   * its last one is being handled, never further ahead, so no more than a page or two per group is
   * alive. A failing page stops the other groups too. Each page waits for Resource Graph's quota to allow
   * it with `reserve` queries of the window left over (graph-quota.ts).
   *
   * The read cannot loop: a `$skipToken` answered twice, paging past what the first page's totalRecords
   * foretells, or not ending within `deadlineMs` fails it (graph-paging-guard.ts), as a 429 does; the
   * caller falls back. Each failed read is told to `onReadFailed` once.
   *
   * A page refused with 429 is sent again once the quota has reset (`readPage`), so that one refusal does not
   * send a whole poll to per-resource reads; callers that keep a `reserve` (the watch) back off on their own
   * schedule instead.
   */
  async queryPages(
    subscriptions: readonly string[],
    query: string,
    run: <T>(task: () => Promise<T>) => Promise<T>,
    onPage: (rows: GraphRow[]) => void | Promise<void>,
    top = RESOURCE_GRAPH_MAX_TOP,
    reserve = 0,
    deadlineMs = GRAPH_READ_DEADLINE_MS,
  ): Promise<void> {
    const unique = [...new Set(subscriptions.map((s) => s.toLowerCase()))];
    const groups: string[][] = [];
    for (let i = 0; i < unique.length; i += RESOURCE_GRAPH_MAX_SUBSCRIPTIONS) groups.push(unique.slice(i, i + RESOURCE_GRAPH_MAX_SUBSCRIPTIONS));
    const deadline = new ReadDeadline(deadlineMs);
    let handed: Promise<void> = Promise.resolve();
    let failed = false;
    try {
      await Promise.all(
        groups.map(async (group) => {
          let handing: Promise<void> = Promise.resolve();
          let skipToken: string | undefined;
          const guard = new PagingGuard(top);
          try {
            do {
              const token = skipToken;
              const page = await this.readPage(reserve, deadline, () => run(() => this.page(group, query, top, token, deadline.signal)));
              guard.pageRead(page);
              await handing;
              handing = handed = handed.then(() => onPage(page.data));
              // Awaited in the next round or below, unless a page fails first: never an unhandled rejection meanwhile.
              handing.catch(() => undefined);
              skipToken = page.skipToken;
            } while (skipToken && !failed);
            await handing;
          } catch (err) {
            failed = true;
            throw err;
          }
        }),
      );
    } catch (err) {
      const reason = graphReadFailureOf(err);
      if (reason) this.onReadFailed(reason);
      throw err;
    } finally {
      deadline.clear();
    }
  }

  /**
   * One page, once the quota allows it: refused with 429, it is sent again after the wait the quota says
   * (graph-quota.ts `refusalWaitMs`: the 429's reset, the last answer's, its Retry-After, or a short back-off),
   * at most GRAPH_REFUSAL_RETRIES times, never waiting past QUOTA_WAIT_LIMIT_MS or the read's deadline; then
   * the 429 fails the read (`throttled`). Without a `reserve` only: the watch backs off instead.
   */
  private async readPage(reserve: number, deadline: ReadDeadline, send: () => Promise<GraphPage>): Promise<GraphPage> {
    for (let attempt = 0; ; attempt += 1) {
      await this.quota.ready(reserve, deadline.at);
      try {
        return await deadline.bound(send);
      } catch (err) {
        const refused = err instanceof RestError && err.statusCode === 429 && err.response !== undefined;
        if (!refused || reserve > 0 || attempt >= GRAPH_REFUSAL_RETRIES) throw err;
        const headers = err.response!.headers;
        const wait = this.quota.refusalWaitMs(
          { quota: userQuotaOf(headers.get('x-ms-user-quota-remaining'), headers.get('x-ms-user-quota-resets-after')), retryAfterMs: retryAfterMs(429, headers) },
          attempt,
        );
        if (!(await this.quota.waitOutRefusal(wait, deadline.at))) throw err;
      }
    }
  }
}

/** A Resource Graph row of `microsoft.apimanagement/service` in the SDK's (flattened) shape. */
export function apimServiceFromGraph(row: GraphRow): ApiManagementServiceResource {
  const { properties: _properties, ...flattened } = flatten(row);
  return flattened as unknown as ApiManagementServiceResource;
}
