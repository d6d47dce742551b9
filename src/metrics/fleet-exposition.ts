import { once } from 'node:events';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { constants, createGunzip, createGzip, gunzip, gzip, type ZlibOptions } from 'node:zlib';
import type { FleetReport } from '../analysis/report.js';
import { FLEET_FAMILIES, type FleetFamily } from './families.js';
import { fleetExpositionByFamily } from './render.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * What /metrics serves of the fleet. Kept gzipped only: Prometheus always asks for gzip, and the text
 * is about 25 times the size (61 MB at 1,000 instances x 2 regions, 2.2 MB gzipped).
 */
export interface ExpositionBody {
  /** Gzip members back to back (one gzip stream, RFC 1952), ready to send as they are. */
  gzip(): Promise<Buffer>;
  /** The text, decompressed as it is sent (clients that refuse gzip). */
  plain(): Readable;
}

function bodyOf(gzipped: Promise<Buffer>): ExpositionBody {
  return { gzip: () => gzipped, plain: () => gunzipStream(gzipped) };
}

function gunzipStream(gzipped: Promise<Buffer>): Readable {
  return Readable.from(
    (async function* () {
      yield await gzipped;
    })(),
  ).pipe(createGunzip());
}

/** A fixed body (tests, and before the first poll). */
export function staticExposition(text: string): ExpositionBody {
  return bodyOf(gzipAsync(Buffer.from(text, 'utf8')));
}

/**
 * Strings go to zlib in batches of about this many characters: few enough calls into the thread pool,
 * and small enough to stay in V8's young generation (strings over 128 KB go to the large-object space,
 * which only a full GC frees, so they would pile up through a render).
 */
const BATCH_CHARS = 1 << 15;

/**
 * Compresses a sequence of strings as it is produced, in zlib's thread pool, waiting whenever zlib
 * is behind: at most a few batches of text exist at any time, never the whole.
 */
export async function gzipStrings(chunks: Iterable<string>): Promise<{ gzipped: Buffer; bytes: number }> {
  // Fastest level: the ratio hardly differs on repetitive exposition text, and this runs once per poll.
  // A buffer of a few batches lets the render run ahead while zlib compresses the previous ones (at the
  // stream's default 16 KB, every batch would wait for the one before: render and compress in turn).
  // (Node hands zlib's options to its Transform; @types/node does not list the stream ones.)
  const zip = createGzip({ level: constants.Z_BEST_SPEED, writableHighWaterMark: 8 * BATCH_CHARS } as ZlibOptions);
  const parts: Buffer[] = [];
  zip.on('data', (part: Buffer) => parts.push(part));
  const done = finished(zip);
  let batch = '';
  for (const chunk of chunks) {
    batch += chunk;
    if (batch.length < BATCH_CHARS) continue;
    if (!zip.write(batch)) await once(zip, 'drain');
    batch = '';
  }
  zip.end(batch);
  await done;
  return { gzipped: Buffer.concat(parts), bytes: zip.bytesWritten };
}

export interface FleetExpositionStats {
  instances: number;
  series: number;
  /** Size of the text, and of what is kept of it (gzipped). */
  bytes: number;
  gzipBytes: number;
  /** Wall time of the last update (render and compress). */
  milliseconds: number;
}

/**
 * The fleet's exposition, rendered once per poll and kept gzipped, one member per family (kube-state-metrics
 * renders per object once per change; here nearly every instance changes every poll, since its
 * `lastUpdated` timestamps move, so one pass over the report costs less than tracking what changed).
 * A scrape sends the cached bytes as they are; until an update completes, scrapes get the previous ones.
 */
export class FleetExposition implements ExpositionBody {
  private current: Promise<Buffer> = gzipAsync(Buffer.alloc(0));
  private started = 0;
  private currentStats: FleetExpositionStats = { instances: 0, series: 0, bytes: 0, gzipBytes: 0, milliseconds: 0 };

  constructor(private readonly families: readonly FleetFamily[] = FLEET_FAMILIES) {}

  /** Renders and compresses `report`; resolves when scrapes serve it (an update started later wins). */
  async update(report: FleetReport): Promise<void> {
    const sequence = ++this.started;
    const began = performance.now();
    const tally = { series: 0 };
    // One gzip member per family, compressed side by side in zlib's thread pool while the render goes on;
    // members back to back are one gzip stream (RFC 1952).
    const members = await Promise.all(fleetExpositionByFamily(report, this.families, tally).map(gzipStrings));
    const gzipped = Buffer.concat(members.map((member) => member.gzipped));
    const bytes = members.reduce((total, member) => total + member.bytes, 0);
    if (sequence !== this.started) return;
    this.current = Promise.resolve(gzipped);
    this.currentStats = { instances: report.instances.length, series: tally.series, bytes, gzipBytes: gzipped.length, milliseconds: performance.now() - began };
  }

  gzip(): Promise<Buffer> {
    return this.current;
  }

  plain(): Readable {
    return gunzipStream(this.current);
  }

  /** The text served now, decompressed (tests and tools; a scrape never needs it whole). */
  async text(): Promise<string> {
    return (await gunzipAsync(await this.current)).toString('utf8');
  }

  get stats(): FleetExpositionStats {
    return { ...this.currentStats };
  }
}
