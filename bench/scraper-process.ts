/**
 * The benchmark's Prometheus: scrapes a /metrics URL from a process of its own, so that neither
 * server's timings nor the monitor's RSS include the client's work and buffers.
 *
 *   node bench/scraper-process.js --url URL --scrapes N [--warmup W]
 *
 * Prints one JSON line (ScrapeTimes) and exits.
 */
import { parseArgs } from 'node:util';
import { measureScrapes } from './scrapes.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, scrapes: { type: 'string' }, warmup: { type: 'string' } } });
if (!values.url) throw new Error('--url URL is required');
const times = await measureScrapes(values.url, Number(values.scrapes ?? 10), Number(values.warmup ?? 2));
process.stdout.write(`${JSON.stringify(times)}\n`, () => process.exit(0));
