import { Buffer } from 'node:buffer';
import { below, mulberry32 } from './prng.ts';

/**
 * Random text without per-character work. Nexmark strings are random lowercase letters with an
 * occasional space (one character in 13). Rather than draw every character of every event, the
 * generator slices its strings out of one fixed pool of such text at random offsets: V8 makes a slice
 * of 13 characters or more in O(1), as a view on the pool, and copies shorter ones.
 */

/**
 * Characters in the pool. The generator draws offsets in the first 2^17 characters, so the second
 * half holds the longest string it slices (an `extra` of 1.2 times `MAX_AVG_BYTE_SIZE`).
 */
export const TEXT_POOL_LENGTH = 1 << 18;

/** Character code of the occasional space. */
export const SPACE = 32;

let pool: string | undefined;

/** The pool: built once per thread on first use (about 1 ms), then shared by every generator. */
export function textPool(): string {
  pool ??= buildPool();
  return pool;
}

function buildPool(): string {
  const next = mulberry32(0x6e65786d);
  const bytes = Buffer.allocUnsafe(TEXT_POOL_LENGTH);
  for (let i = 0; i < TEXT_POOL_LENGTH; i++) bytes[i] = randomChar(next, SPACE);
  return bytes.toString('latin1');
}

/**
 * Nexmark's `nextString` drawn character by character, for the few fixed strings (urls) built once:
 * 3 to `maxLength - 1` characters, `special` one time in 13, trimmed of spaces.
 */
export function randomWord(next: () => number, maxLength: number, special = ' '): string {
  let length = 3 + below(next, maxLength - 3);
  let word = '';
  while (length-- > 0) word += String.fromCharCode(randomChar(next, special.charCodeAt(0)));
  return word.trim();
}

function randomChar(next: () => number, special: number): number {
  return below(next, 13) === 0 ? special : 97 + below(next, 26);
}
