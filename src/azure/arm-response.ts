import type { PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { RestError } from '@azure/core-rest-pipeline';

/** The JSON body of an ARM answer to a request sent outside the SDK clients (Resource Graph, plain lists). */

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The parsed body of a 2xx answer; otherwise a RestError with ARM's `error.code`, its message and
 * details, and the status, as the SDK clients throw. `answered` names who answered what
 * (`Resource Graph answered`), the start of every message.
 */
export function armJsonBody(request: PipelineRequest, response: PipelineResponse, answered: string): unknown {
  let body: unknown;
  try {
    body = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
  } catch {
    throw new RestError(`${answered} with a body that is not JSON`, { code: 'PARSE_ERROR', statusCode: response.status, request, response });
  }
  if (response.status < 200 || response.status >= 300) {
    const error = isObject(body) && isObject(body.error) ? body.error : {};
    const details = Array.isArray(error.details) ? error.details.filter(isObject).map((d) => d.message).filter((m) => typeof m === 'string') : [];
    const message = [typeof error.message === 'string' ? error.message : `${answered} ${response.status}`, ...details].join(' ');
    throw new RestError(message, {
      code: typeof error.code === 'string' ? error.code : `HTTP${response.status}`,
      statusCode: response.status,
      request,
      response,
    });
  }
  return body;
}
