/**
 * Turns values of one type into bytes and back: how a class registered with `env.registerType`
 * crosses exchanges between tasks, LMDB values and checkpoints (see docs/types.md). `decode` gets
 * the bytes `encode` made, possibly in another thread or a later process, and returns an equal value.
 *
 * @example
 * const pointCodec: Codec<Point> = {
 *   encode: (p) => new Uint8Array(new Float64Array([p.x, p.y]).buffer),
 *   decode: (bytes) => {
 *     const [x, y] = new Float64Array(bytes.slice().buffer);
 *     return new Point(x, y);
 *   },
 * };
 * env.registerType(Point, pointCodec);
 */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}
