import type { FleetReport, InstanceReport } from '../analysis/report.js';
import type { FleetFamily } from './families.js';
import { GzipWriter } from './gzip-writer.js';
import { closingSamples, FamilyText, instancePrefixes, orderedInstances, type SeriesTally } from './render.js';

/** A finished exposition: one gzip member per family, back to back (one gzip stream, RFC 1952). */
export interface RenderedExposition {
  gzipped: Buffer;
  /** Size of the text. */
  bytes: number;
  series: number;
  instances: number;
}

/** Instances written between two waits for zlib (and, while a poll reads, for the event loop). */
const INSTANCES_PER_DRAIN = 16;

/**
 * A poll's exposition, written while the poll still reads: each instance goes into every family's gzip
 * member as soon as it and all instances before it in fleet order are judged (a poll reads in that
 * order, so the writing keeps up with the reading); the families that need the whole fleet (drift)
 * wait for the report. What is left when the report is complete is a few instances' worth, not the
 * whole render.
 */
export class ExpositionDraft {
  private order: readonly string[] = [];
  private next = 0;
  private readonly waiting = new Map<string, InstanceReport>();
  /** Instances whose turn has come, in fleet order, waiting for the writing loop. */
  private readonly ready: InstanceReport[] = [];
  private writing: Promise<void> | undefined;
  private writeFailure: unknown;
  private abandoned = false;
  private readonly written: InstanceReport[] = [];
  private readonly tally: SeriesTally = { series: 0 };
  private readonly members: Array<{ writer: GzipWriter; text: FamilyText }>;

  constructor(families: readonly FleetFamily[]) {
    this.members = families.map((family) => {
      const writer = new GzipWriter();
      return { writer, text: new FamilyText(family, (lines) => writer.write(lines), this.tally) };
    });
  }

  /** The IDs of the instances this poll reads, in fleet order. */
  expect(ids: readonly string[]): void {
    this.order = ids;
    this.advance();
  }

  /** An instance as soon as it is judged, in any order. */
  add(instance: InstanceReport): void {
    this.waiting.set(instance.instance.id, instance);
    this.advance();
  }

  private advance(): void {
    while (this.next < this.order.length) {
      const id = this.order[this.next]!;
      const instance = this.waiting.get(id);
      // An instance not judged yet holds the ones after it; one that is never judged (deleted between
      // discovery and its read) holds them until finish().
      if (!instance) break;
      this.waiting.delete(id);
      this.next++;
      this.ready.push(instance);
    }
    if (this.ready.length > 0 && !this.writing) {
      this.writing = this.writeReady()
        .catch((err: unknown) => void (this.writeFailure = err))
        .finally(() => (this.writing = undefined));
    }
  }

  /**
   * Writes the instances whose turn has come, a few at a time: a late first instance releases a
   * fleet's worth at once, which is written while zlib keeps up and the event loop takes in I/O.
   */
  private async writeReady(): Promise<void> {
    while (this.ready.length > 0 && !this.abandoned) {
      for (let i = 0; i < INSTANCES_PER_DRAIN && this.ready.length > 0; i++) this.write(this.ready.shift()!);
      await this.drain();
      if (this.ready.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private write(instance: InstanceReport): void {
    const prefixOf = instancePrefixes(instance);
    for (const { text } of this.members) if (!text.family.fleetWide) text.instance(instance, prefixOf);
    this.written.push(instance);
  }

  /**
   * Completes the exposition from the poll's report: the instances not written yet, the closing
   * samples, the fleet-wide families. Undefined (and given up) when what was written is not how the
   * report begins in fleet order (an instance judged twice, say): the caller renders the report whole.
   */
  async finish(report: FleetReport): Promise<RenderedExposition | undefined> {
    while (this.writing) await this.writing;
    if (this.writeFailure !== undefined) {
      this.abandon();
      throw this.writeFailure;
    }
    const instances = orderedInstances(report);
    if (this.written.length > instances.length || this.written.some((instance, i) => instances[i] !== instance)) {
      this.abandon();
      return undefined;
    }
    try {
      return await this.complete(report, instances);
    } catch (err) {
      this.abandon();
      throw err;
    }
  }

  private async complete(report: FleetReport, instances: readonly InstanceReport[]): Promise<RenderedExposition> {
    for (let i = this.written.length; i < instances.length; i++) {
      this.write(instances[i]!);
      if (i % INSTANCES_PER_DRAIN === 0) await this.drain();
    }
    const fleetWide = this.members.filter(({ text }) => text.family.fleetWide);
    const prefixes = fleetWide.length > 0 ? instances.map(instancePrefixes) : [];
    for (const { writer, text } of fleetWide) {
      for (let i = 0; i < instances.length; i++) {
        text.instance(instances[i]!, prefixes[i]!);
        if (i % INSTANCES_PER_DRAIN === 0) await writer.drain();
      }
    }
    for (const { text } of this.members) text.samples(closingSamples(text.family, report));
    const ended = await Promise.all(this.members.map(({ writer }) => writer.end()));
    return {
      gzipped: Buffer.concat(ended.map((member) => member.gzipped)),
      bytes: ended.reduce((total, member) => total + member.bytes, 0),
      series: this.tally.series,
      instances: instances.length,
    };
  }

  /** Instances whose turn has come: written, or about to be. */
  get releasedCount(): number {
    return this.next;
  }

  /** Instances written so far. */
  get writtenCount(): number {
    return this.written.length;
  }

  /** Frees the compressors of a draft that will not be finished (a failed poll). */
  abandon(): void {
    this.abandoned = true;
    for (const { writer } of this.members) writer.destroy();
  }

  private async drain(): Promise<void> {
    await Promise.all(this.members.map(({ writer }) => writer.drain()));
  }
}

/** A report's whole exposition through a draft: every instance at once, zlib waited for now and then. */
export async function renderReport(report: FleetReport, families: readonly FleetFamily[]): Promise<RenderedExposition> {
  const draft = new ExpositionDraft(families);
  return (await draft.finish(report))!;
}
