import type { ServiceClient } from '@azure/core-client';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { armJsonBody, isObject } from './arm-response.js';

/**
 * A plain ARM list (`GET <collection>?api-version=...`, following `nextLink`) for resource types no
 * installed SDK covers (Private DNS record sets), through a pipeline identical to the SDK clients'.
 */

/** Pages of one list at most: a list that keeps answering a nextLink is cut here. */
const MAX_PAGES = 100;


export class ArmListReader {
  constructor(
    private readonly client: ServiceClient,
    private readonly endpoint: string,
  ) {}

  async list(path: string, apiVersion: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let url: string | undefined = `${this.endpoint.replace(/\/+$/, '')}${path}?api-version=${encodeURIComponent(apiVersion)}`;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const request = createPipelineRequest({ url, method: 'GET', headers: createHttpHeaders({ accept: 'application/json' }) });
      const response = await this.client.sendRequest(request);
      const body = armJsonBody(request, response, `ARM answered ${path}`);
      if (!isObject(body) || !Array.isArray(body.value)) {
        throw new RestError(`ARM answered ${path} without a "value" array`, { code: 'PARSE_ERROR', statusCode: response.status, request, response });
      }
      items.push(...body.value);
      url = typeof body.nextLink === 'string' && body.nextLink !== '' && body.nextLink !== url ? body.nextLink : undefined;
    }
    return items;
  }
}
