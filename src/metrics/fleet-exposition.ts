import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import type { FleetReport, InstanceReport } from '../analysis/report.js';
import { familyHeader, formatSample } from './exposition.js';
import { compareIds, FLEET_FAMILIES, instanceChangeKey, TARGET_UP_FAMILY, unresolvedTargetSamples, type FleetFamily } from './families.js';
import { renderInstanceBlocks } from './render.js';

export interface FleetExpositionOptions {
  families?: readonly FleetFamily[];
  /** Equal keys must mean equal blocks (default `instanceChangeKey`). */
  changeKey?: (instance: InstanceReport) => string;
  /** How one instance's blocks are rendered (default `renderInstanceBlocks`; tests wrap it to count calls). */
  renderInstance?: (instance: InstanceReport, families: readonly FleetFamily[]) => string[];
}

const gzipAsync = promisify(gzip);

/** What /metrics serves of the fleet: the text as UTF-8, and gzipped (Prometheus asks for gzip). */
export interface ExpositionBody {
  bytes(): Buffer;
  gzip(): Promise<Buffer>;
}

/** A fixed body (tests, and before the first poll). */
export function staticExposition(text: string): ExpositionBody {
  const bytes = Buffer.from(text, 'utf8');
  let gzipped: Promise<Buffer> | undefined;
  return { bytes: () => bytes, gzip: () => (gzipped ??= gzipAsync(bytes)) };
}

export interface FleetExpositionStats {
  instances: number;
  /** Instances rendered by the last update (new or changed). */
  rendered: number;
  /** Instances whose blocks were reused. */
  reused: number;
  /** Instances dropped since the previous update. */
  removed: number;
  /** Length of the text in UTF-16 code units. */
  chars: number;
  /** Wall time of the last update. */
  milliseconds: number;
}

interface InstanceEntry {
  key: string;
  blocks: string[];
}

/**
 * The fleet's exposition, kept as pre-rendered blocks (one string per family per instance, the way
 * kube-state-metrics keeps its metric stores) and encoded once per poll: `update(report)` re-renders
 * only the instances whose change key moved, and a scrape serves the cached gzip (or UTF-8) bytes.
 *
 * Output: families in `families` order, HELP/TYPE once per family that has series, instances sorted
 * by resource ID; configured but unresolved targets follow the instances in `apim_netwatch_target_up`.
 * Byte for byte what a prom-client registry of the same gauges writes per family (test/metrics-golden.test.ts),
 * without the blank line prom-client puts between families and without the headers of empty families.
 */
export class FleetExposition implements ExpositionBody {
  private readonly families: readonly FleetFamily[];
  private readonly changeKey: (instance: InstanceReport) => string;
  private readonly renderInstance: (instance: InstanceReport, families: readonly FleetFamily[]) => string[];
  private readonly headers: string[];
  private entries = new Map<string, InstanceEntry>();
  /** The exposition as the strings to join (headers and the shared per-instance blocks), not joined: the
   * joined text would be a third copy of ~60 MB at fleet size next to the blocks and the gzip. */
  private currentParts: string[] = [];
  private currentBytes: Buffer | undefined;
  private currentGzip: Promise<Buffer> | undefined;
  private currentStats: FleetExpositionStats = { instances: 0, rendered: 0, reused: 0, removed: 0, chars: 0, milliseconds: 0 };

  constructor(options: FleetExpositionOptions = {}) {
    this.families = options.families ?? FLEET_FAMILIES;
    this.changeKey = options.changeKey ?? instanceChangeKey;
    this.renderInstance = options.renderInstance ?? renderInstanceBlocks;
    this.headers = this.families.map((family) => familyHeader(family.name, family.help, family.type));
  }

  /** The exposition of the last report given to `update` ('' before the first), joined on each call. */
  get text(): string {
    return this.currentParts.join('');
  }

  /**
   * The text as UTF-8, encoded on first use and kept until the next update, for scrapes that do not
   * accept gzip: they skip re-encoding ~60 MB each at 1,000 instances x 2 regions.
   */
  bytes(): Buffer {
    this.currentBytes ??= Buffer.from(this.text, 'utf8');
    return this.currentBytes;
  }

  /**
   * The UTF-8 text gzipped once per update, off the event loop (zlib's thread pool): tens of MB at fleet
   * size shrink about tenfold, and a scrape sends the cached member as it is. Fastest level: this runs
   * once per poll and the ratio hardly differs on repetitive exposition text.
   */
  gzip(): Promise<Buffer> {
    if (!this.currentGzip) {
      const encodedBefore = this.currentBytes !== undefined;
      this.currentGzip = gzipAsync(this.bytes(), { level: constants.Z_BEST_SPEED });
      // Prometheus always asks for gzip: unless a plain scrape wanted them, the plain bytes go once
      // handed to zlib (re-encoded on demand).
      if (!encodedBefore) this.currentBytes = undefined;
    }
    return this.currentGzip;
  }

  get stats(): FleetExpositionStats {
    return { ...this.currentStats };
  }

  /** Takes a new report and re-renders what changed; `text`, `bytes()` and `gzip()` then serve it. */
  update(report: FleetReport): void {
    const started = performance.now();
    const previous = this.entries;
    const next = new Map<string, InstanceEntry>();
    let rendered = 0;
    let reused = 0;
    // The last report of an ID wins, should a report ever carry one twice (duplicate series otherwise).
    const byId = new Map<string, InstanceReport>();
    for (const instance of report.instances) byId.set(instance.instance.id, instance);
    const ids = [...byId.keys()].sort(compareIds);
    for (const id of ids) {
      const instance = byId.get(id)!;
      const key = this.changeKey(instance);
      const old = previous.get(id);
      if (old && old.key === key) {
        next.set(id, old);
        reused++;
      } else {
        next.set(id, { key, blocks: this.renderInstance(instance, this.families) });
        rendered++;
      }
    }
    let removed = 0;
    for (const id of previous.keys()) if (!next.has(id)) removed++;
    this.entries = next;

    const entries = [...next.values()];
    const unresolved = unresolvedTargetSamples(report);
    const parts: string[] = [];
    this.families.forEach((family, index) => {
      const headerAt = parts.length;
      parts.push(this.headers[index]!);
      let any = false;
      for (const entry of entries) {
        const block = entry.blocks[index]!;
        if (block) {
          parts.push(block);
          any = true;
        }
      }
      if (family.name === TARGET_UP_FAMILY) {
        for (const sample of unresolved) {
          parts.push(formatSample(family.name, sample));
          any = true;
        }
      }
      if (!any) parts.length = headerAt;
    });
    this.currentParts = parts;
    this.currentBytes = undefined;
    this.currentGzip = undefined;
    this.currentStats = {
      instances: ids.length,
      rendered,
      reused,
      removed,
      chars: parts.reduce((total, part) => total + part.length, 0),
      milliseconds: performance.now() - started,
    };
  }
}

/** The whole fleet's exposition in one go, without a cache (tests, one-shot tools). */
export function renderFleet(report: FleetReport): string {
  const fleet = new FleetExposition();
  fleet.update(report);
  return fleet.text;
}
