import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';

/**
 * What /metrics serves of the fleet. Kept gzipped only: Prometheus always asks for gzip, and the text
 * is about 25 times the size (70 MB at 1,000 instances x 2 regions).
 */
export interface ExpositionBody {
  /** Gzip members back to back (one gzip stream, RFC 1952), ready to send as they are. */
  gzip(): Promise<Buffer>;
  /** The text, decompressed as it is sent (clients that refuse gzip). */
  plain(): Readable;
}

export function gunzipStream(gzipped: Buffer): Readable {
  return Readable.from([gzipped]).pipe(createGunzip());
}

/** A fixed body (tests). */
export function staticExposition(text: string): ExpositionBody {
  const gzipped = gzipSync(text);
  return { gzip: async () => gzipped, plain: () => gunzipStream(gzipped) };
}
