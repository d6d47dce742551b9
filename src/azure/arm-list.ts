import type { ServiceClient } from '@azure/core-client';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { armJsonBody, isObject } from './arm-response.js';

/**
 * A plain ARM list (`GET <collection>?api-version=...`, following `nextLink`) for resource types no
 * installed SDK covers (Private DNS record sets), through a pipeline identical to the SDK clients'; and
 * the pages after the first of a body the SDK reads once (service tags' `nextLink`).
 *
 * ARM may answer an empty page that still has a nextLink: it is followed like any other. A list is read
 * whole or fails: a nextLink answered twice, or more pages than any real list has, is an error, never a
 * silently shortened list.
 */

/** Pages of one list at most (25,000 record sets a zone at 100 a page, with room for empty pages between). */
export const MAX_LIST_PAGES = 1_000;

export class ArmListReader {
  constructor(
    private readonly client: ServiceClient,
    private readonly endpoint: string,
  ) {}

  /** Every item of the list at `path`, all pages. */
  async list(path: string, apiVersion: string): Promise<unknown[]> {
    const url = `${this.endpoint.replace(/\/+$/, '')}${path}?api-version=${encodeURIComponent(apiVersion)}`;
    return this.follow(url, 'value', `ARM answered ${path}`);
  }

  /**
   * The items (under `itemsKey`) of the page at `url` and of every page its nextLinks lead to. `what`
   * starts every error message.
   */
  async follow(url: string, itemsKey: string, what: string): Promise<unknown[]> {
    const items: unknown[] = [];
    const visited = new Set<string>();
    let next: string | undefined = url;
    while (next) {
      if (visited.has(next)) throw new RestError(`${what} with a nextLink it had already given: its paging would never end`, { code: 'NextLinkRepeated' });
      if (visited.size >= MAX_LIST_PAGES) throw new RestError(`${what} with more than ${MAX_LIST_PAGES} pages: the list is given up rather than read in part`, { code: 'ListPageLimit' });
      visited.add(next);
      const request = createPipelineRequest({ url: next, method: 'GET', headers: createHttpHeaders({ accept: 'application/json' }) });
      const response = await this.client.sendRequest(request);
      const body = armJsonBody(request, response, what);
      const page = isObject(body) ? body[itemsKey] : undefined;
      if (!Array.isArray(page)) {
        throw new RestError(`${what} without a "${itemsKey}" array`, { code: 'PARSE_ERROR', statusCode: response.status, request, response });
      }
      items.push(...page);
      next = isObject(body) && typeof body.nextLink === 'string' && body.nextLink !== '' ? body.nextLink : undefined;
    }
    return items;
  }
}
