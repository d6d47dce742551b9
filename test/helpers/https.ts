import { request } from 'node:https';

/** PUTs JSON to the simulator's control endpoint, trusting exactly its certificate. */
export function putJson(url: string, body: unknown, caPem: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(url, { method: 'PUT', ca: caPem, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
