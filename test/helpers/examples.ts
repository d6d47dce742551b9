import { readFileSync } from 'node:fs';

const EXAMPLES = new URL('../fixtures/arm-examples/', import.meta.url);

/** The body ARM returns in one of Azure's REST API examples (copied unchanged into test/fixtures). */
export function exampleBody<T = unknown>(file: string, status = '200'): T {
  const example = JSON.parse(readFileSync(new URL(file, EXAMPLES), 'utf8')) as { responses: Record<string, { body: T }> };
  const response = example.responses[status];
  if (!response) throw new Error(`example ${file} has no ${status} response`);
  return structuredClone(response.body);
}

/** The SDK rejects non-UUID subscription IDs; the examples use `subid` and zeros. */
export function withSubscription<T>(body: T, subscriptionId: string): T {
  return JSON.parse(JSON.stringify(body).replace(/\/subscriptions\/(subid|00000000-0000-0000-0000-000000000000)\//gi, `/subscriptions/${subscriptionId}/`)) as T;
}
