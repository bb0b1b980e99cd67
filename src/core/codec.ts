/** Turns records into bytes and back, for exchanges across threads and for state. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}
