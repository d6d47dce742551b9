import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { constants, createGzip, type Gzip, type ZlibOptions } from 'node:zlib';

/**
 * Strings go to zlib in batches of about this many characters: few enough calls into the thread pool,
 * and small enough to stay in V8's young generation (strings over 128 KB go to the large-object space,
 * which only a full GC frees, so they would pile up through a render).
 */
const BATCH_CHARS = 1 << 15;

/**
 * Text compressed as it is written, in zlib's thread pool, into one gzip member. Writers that produce
 * much text at once wait on `drain()` now and then, so that only a few batches exist at any time.
 */
export class GzipWriter {
  private readonly zip: Gzip;
  private readonly parts: Buffer[] = [];
  private readonly done: Promise<void>;
  private batch = '';

  constructor() {
    // Fastest level: the ratio hardly differs on repetitive exposition text, and this runs once per poll.
    // A buffer of a few batches lets the render run ahead while zlib compresses the previous ones (at the
    // stream's default 16 KB, every batch would wait for the one before: render and compress in turn).
    // (Node hands zlib's options to its Transform; @types/node does not list the stream ones.)
    this.zip = createGzip({ level: constants.Z_BEST_SPEED, writableHighWaterMark: 8 * BATCH_CHARS } as ZlibOptions);
    this.zip.on('data', (part: Buffer) => this.parts.push(part));
    this.done = finished(this.zip);
    // Awaited by end(); a writer given up on (destroy) must not leave a rejection unhandled.
    this.done.catch(() => undefined);
  }

  write(text: string): void {
    this.batch += text;
    if (this.batch.length < BATCH_CHARS) return;
    this.zip.write(this.batch);
    this.batch = '';
  }

  /** Resolves once zlib is no longer behind. */
  async drain(): Promise<void> {
    if (this.zip.writableNeedDrain) await once(this.zip, 'drain');
  }

  /** The member, and how many bytes of text went into it. */
  async end(): Promise<{ gzipped: Buffer; bytes: number }> {
    this.zip.end(this.batch);
    this.batch = '';
    await this.done;
    return { gzipped: Buffer.concat(this.parts), bytes: this.zip.bytesWritten };
  }

  destroy(): void {
    this.zip.destroy();
  }
}
