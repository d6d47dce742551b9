/**
 * Scrape timing as Prometheus would see it: GET with `Accept-Encoding: gzip`, the whole body read;
 * each server answers as it does by nature (ours gzip, prom-client's express app plain text).
 */
import { get } from 'node:http';

export interface ScrapeTimes {
  p50: number;
  p99: number;
  /** Every sample, in milliseconds, in the order taken. */
  samples: number[];
  /** Bytes on the wire of the last scrape's body. */
  bytes: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** One scrape; resolves with the body's size on the wire (counted, not decoded: the client's own work stays small). */
export function scrape(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`GET ${url} answered ${response.statusCode}`));
        else resolve(bytes);
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** Times `n` scrapes of `url` one after another, after `warmup` untimed ones; p50/p99 are nearest-rank, in milliseconds. */
export async function measureScrapes(url: string, n: number, warmup = 2): Promise<ScrapeTimes> {
  let bytes = 0;
  for (let i = 0; i < warmup; i++) bytes = await scrape(url);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    bytes = await scrape(url);
    samples.push(performance.now() - started);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples, bytes };
}
