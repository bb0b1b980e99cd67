import { scalarFunction } from '../../../src/index.ts';

const encoder = new TextEncoder();

/**
 * Nexmark's `count_char(s, c)` (q14), as README.md defines it: the number of bytes of the UTF-8
 * encoding of `s` equal to the first byte of the UTF-8 encoding of `c`; 0 for a NULL `s` or a NULL
 * or empty `c`.
 */
export const countChar = scalarFunction({
  returns: 'BIGINT NOT NULL',
  eval(s: string | null, c: string | null): number {
    if (s === null || c === null || c.length === 0) return 0;
    const target = encoder.encode(c)[0];
    let count = 0;
    for (const byte of encoder.encode(s)) if (byte === target) count++;
    return count;
  },
});
