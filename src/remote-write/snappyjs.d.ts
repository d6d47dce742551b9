/** snappyjs ships no types: the two functions it exports (raw Snappy blocks, not the framed format). */
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array;
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
