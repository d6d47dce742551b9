import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gunzip, gzip } from 'node:zlib';
import type { FleetReport } from '../analysis/report.js';
import { ExpositionDraft, renderReport } from './exposition-draft.js';
import { FLEET_FAMILIES, type FleetFamily } from './families.js';

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

export interface FleetExpositionStats {
  instances: number;
  series: number;
  /** Size of the text, and of what is kept of it (gzipped). */
  bytes: number;
  gzipBytes: number;
  /** Wall time from the complete report to the exposition served (what a draft had not written yet, or the whole render). */
  milliseconds: number;
}

/**
 * The fleet's exposition, rendered once per poll and kept gzipped, one member per family
 * (kube-state-metrics renders per object once per change; here nearly every instance changes every
 * poll, since its `lastUpdated` timestamps move, so one pass over the fleet costs less than tracking
 * what changed). A poll writes it as it judges instances (`draft()`); a report on its own (a restored
 * one) is rendered whole. A scrape sends the cached bytes as they are; until a publication completes,
 * scrapes get the previous ones.
 */
export class FleetExposition implements ExpositionBody {
  private current: Promise<Buffer> = gzipAsync(Buffer.alloc(0));
  private started = 0;
  private currentStats: FleetExpositionStats = { instances: 0, series: 0, bytes: 0, gzipBytes: 0, milliseconds: 0 };

  constructor(private readonly families: readonly FleetFamily[] = FLEET_FAMILIES) {}

  /** An exposition to write while a poll judges its instances; hand it back with the report to `publish`. */
  draft(): ExpositionDraft {
    return new ExpositionDraft(this.families);
  }

  /**
   * Completes `draft` from `report` (or renders the report whole, without a draft or when the draft does
   * not match it) and serves it; resolves when scrapes get it (a publication started later wins).
   */
  async publish(report: FleetReport, draft?: ExpositionDraft): Promise<void> {
    const sequence = ++this.started;
    const began = performance.now();
    const rendered = (draft && (await draft.finish(report))) ?? (await renderReport(report, this.families));
    if (sequence !== this.started) return;
    this.current = Promise.resolve(rendered.gzipped);
    this.currentStats = {
      instances: rendered.instances,
      series: rendered.series,
      bytes: rendered.bytes,
      gzipBytes: rendered.gzipped.length,
      milliseconds: performance.now() - began,
    };
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
