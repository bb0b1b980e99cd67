/**
 * MurmurHash3's 32-bit finalizer (`fmix32`): every input bit affects every output bit. Key groups
 * hash keys with it; the Nexmark generator spreads consecutive event ids over its seeds with it.
 */
export function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
