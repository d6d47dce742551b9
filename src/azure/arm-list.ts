import type { ServiceClient } from '@azure/core-client';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';

/**
 * A plain ARM list (`GET <collection>?api-version=...`, following `nextLink`) for resource types no
 * installed SDK covers (Private DNS record sets), through a pipeline identical to the SDK clients'.
 */

/** Pages of one list at most: a list that keeps answering a nextLink is cut here. */
const MAX_PAGES = 100;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

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
      let body: unknown;
      try {
        body = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
      } catch {
        throw new RestError(`ARM answered ${path} with a body that is not JSON`, { code: 'PARSE_ERROR', statusCode: response.status, request, response });
      }
      if (response.status < 200 || response.status >= 300) {
        const error = isObject(body) && isObject(body.error) ? body.error : {};
        throw new RestError(typeof error.message === 'string' ? error.message : `ARM answered ${response.status}`, {
          code: typeof error.code === 'string' ? error.code : `HTTP${response.status}`,
          statusCode: response.status,
          request,
          response,
        });
      }
      if (!isObject(body) || !Array.isArray(body.value)) {
        throw new RestError(`ARM answered ${path} without a "value" array`, { code: 'PARSE_ERROR', statusCode: response.status, request, response });
      }
      items.push(...body.value);
      url = typeof body.nextLink === 'string' && body.nextLink !== '' && body.nextLink !== url ? body.nextLink : undefined;
    }
    return items;
  }
}
