import type { ApiManagementServiceResource } from '@azure/arm-apimanagement';
import type { ServiceClient } from '@azure/core-client';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { armJsonBody, isObject } from './arm-response.js';
import { flatten } from './normalise-json.js';
import { GraphQuota } from './graph-quota.js';

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
  ) {}

  /** One page of a query over `subscriptions`. Throws a RestError (statusCode, code) when ARM refuses. */
  async page(subscriptions: readonly string[], query: string, top: number, skipToken?: string): Promise<GraphPage> {
    const url = `${this.endpoint.replace(/\/+$/, '')}/providers/Microsoft.ResourceGraph/resources?api-version=${RESOURCE_GRAPH_API_VERSION}`;
    const options: Record<string, unknown> = { $top: top, resultFormat: 'objectArray' };
    if (skipToken) options.$skipToken = skipToken;
    const request = createPipelineRequest({
      url,
      method: 'POST',
      headers: createHttpHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
      body: JSON.stringify({ subscriptions, query, options }),
    });
    const response = await this.client.sendRequest(request);
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
   */
  async queryPages(
    subscriptions: readonly string[],
    query: string,
    run: <T>(task: () => Promise<T>) => Promise<T>,
    onPage: (rows: GraphRow[]) => void | Promise<void>,
    top = RESOURCE_GRAPH_MAX_TOP,
    reserve = 0,
  ): Promise<void> {
    const unique = [...new Set(subscriptions.map((s) => s.toLowerCase()))];
    const groups: string[][] = [];
    for (let i = 0; i < unique.length; i += RESOURCE_GRAPH_MAX_SUBSCRIPTIONS) groups.push(unique.slice(i, i + RESOURCE_GRAPH_MAX_SUBSCRIPTIONS));
    let handed: Promise<void> = Promise.resolve();
    let failed = false;
    await Promise.all(
      groups.map(async (group) => {
        let handing: Promise<void> = Promise.resolve();
        let skipToken: string | undefined;
        try {
          do {
            const token = skipToken;
            await this.quota.ready(reserve);
            const page = await run(() => this.page(group, query, top, token));
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
  }
}

/** A Resource Graph row of `microsoft.apimanagement/service` in the SDK's (flattened) shape. */
export function apimServiceFromGraph(row: GraphRow): ApiManagementServiceResource {
  const { properties: _properties, ...flattened } = flatten(row);
  return flattened as unknown as ApiManagementServiceResource;
}
