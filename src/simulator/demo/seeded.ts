import { fnv1a } from '../../model/fnv1a.js';

/**
 * Deterministic look-alikes of what Azure generates (GUIDs, etags, storage names, 7-digit timestamps):
 * derived from string seeds and `now` only, no Math.random and no other clock.
 */

/** A 32-bit avalanche step (murmur3's finaliser), so neighbouring seeds give unrelated output. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The i-th pseudo-random 32-bit number of `seed`. */
export function rand(seed: string, i: number): number {
  return mix((fnv1a(seed) + Math.imul(i + 1, 0x9e3779b9)) >>> 0);
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` lower-case alphanumerics derived from `seed` (storage-account style). */
export function token(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += ALNUM[rand(seed, i) % ALNUM.length];
  return out;
}

function hex(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += rand(seed, i).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

/** A version-4-shaped GUID derived from `seed`. */
export function guid(seed: string): string {
  const h = hex(seed, 32).split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16] ?? '0', 16) % 4] ?? '8';
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** Network resources carry `W/"<guid>"` etags. */
export function netEtag(seed: string): string {
  return `W/"${guid(`etag:${seed}`)}"`;
}

/** APIM etags look like `AAAAAADqC0c=` (base64 of an 8-byte version). */
export function apimEtag(seed: string): string {
  const buf = Buffer.alloc(8);
  buf.writeUInt32BE(rand(`apim-etag:${seed}`, 0) & 0x00ffffff, 4);
  return buf.toString('base64');
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An instant `agoMs` before `now`, ISO with 7 fractional digits like ARM (`…44.6399168Z`). */
export function stamp(now: number, agoMs: number, seed: string): string {
  const iso = new Date(now - agoMs).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const extra = String(rand(`ticks:${seed}`, 0) % 10_000).padStart(4, '0');
  return `${iso.slice(0, 23)}${extra}Z`;
}
