/**
 * The runtime library of SQL expressions: the built-in functions that compiled expressions call
 * (expression-compiler.ts inlines operators and calls these for the rest), with Flink's semantics.
 * NULL arguments never reach a function unless it says so (the compiled code checks them first).
 * Patterns that are constant in the query (LIKE, regular expressions, date formats, JSON paths)
 * are compiled once by the compiler and passed in compiled; a pattern computed per record goes
 * through a small cache instead.
 */
import { createHash } from 'node:crypto';
import { WeirError } from '../../../core/errors.ts';
import { daysOf, MS_PER_DAY, parseTimestampText } from '../../../core/sql-datetime.ts';
import { mapEntries } from '../../../core/sql-value-format.ts';
import { divisionByZero, LONG_MIN, roundHalfUp, truncateTo, wrapLong } from './sql-numbers.ts';
import {
  addMonths,
  ceilTimestamp,
  compileDateFormat,
  type DateFormat,
  extractField,
  floorTimestamp,
  formatWith,
  parseWith,
  timestampAdd,
  timestampDiff,
} from './sql-time.ts';

export { hashCode } from './sql-hash-code.ts';

// ---------------------------------------------------------------------------------------------
// Bounded caches for patterns that change per record

/** A bounded cache of compiled patterns (regular expressions, formats, JSON paths) by their text. */
export class PatternCache<T> {
  private readonly map = new Map<string, T>();
  private readonly make: (key: string) => T;

  constructor(make: (key: string) => T) {
    this.make = make;
  }

  get(key: string): T {
    let v = this.map.get(key);
    if (v === undefined) {
      if (this.map.size >= 256) this.map.clear();
      v = this.make(key);
      this.map.set(key, v);
    }
    return v;
  }
}

// ---------------------------------------------------------------------------------------------
// Equality

/** SQL `=` on any values: deep for ROW, ARRAY and MAP values and for byte strings. */
export function sqlEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sqlEquals(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ea = [...mapEntries(a)];
    const eb = [...mapEntries(b)];
    if (ea.length !== eb.length) return false;
    return ea.every(([k, v]) => eb.some(([k2, v2]) => sqlEquals(k, k2) && sqlEquals(v, v2)));
  }
  return false;
}

/** `IS DISTINCT FROM`: NULL is not distinct from NULL. */
export function isDistinct(a: unknown, b: unknown): boolean {
  if (a == null) return b != null;
  if (b == null) return true;
  return !sqlEquals(a, b);
}

/** Order of two byte strings (unsigned, then by length). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// LIKE and SIMILAR TO

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A LIKE pattern as an anchored regular expression; `escapeChar` makes the next %, _ or itself literal. */
export function likeRegExp(pattern: string, escapeChar: string | null): RegExp {
  if (escapeChar !== null && escapeChar.length !== 1)
    throw new WeirError('INVALID_ARGUMENT', `the ESCAPE of LIKE must be one character, got '${escapeChar}'`);
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (escapeChar !== null && c === escapeChar) {
      const next = pattern[i + 1];
      if (next === '%' || next === '_' || next === escapeChar) {
        src += escapeRegExp(next);
        i++;
        continue;
      }
      throw new WeirError(
        'INVALID_ARGUMENT',
        `invalid escape sequence in LIKE pattern '${pattern}' at ${i + 1}`,
      );
    }
    if (c === '%') src += '[\\s\\S]*';
    else if (c === '_') src += '[\\s\\S]';
    else src += escapeRegExp(c);
  }
  return new RegExp(`^${src}$`);
}

/** A SIMILAR TO pattern (SQL regular expression) as an anchored JavaScript one. */
export function similarRegExp(pattern: string, escapeChar: string | null): RegExp {
  let src = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (escapeChar !== null && c === escapeChar) {
      const next = pattern[i + 1];
      if (next === undefined)
        throw new WeirError(
          'INVALID_ARGUMENT',
          `invalid escape at the end of SIMILAR TO pattern '${pattern}'`,
        );
      src += escapeRegExp(next);
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      src += c === '\\' ? '\\\\' : c;
      continue;
    }
    switch (c) {
      case '%':
        src += '[\\s\\S]*';
        break;
      case '_':
        src += '[\\s\\S]';
        break;
      case '[':
        inClass = true;
        src += c;
        break;
      case '|':
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case '(':
      case ')':
        src += c;
        break;
      default:
        src += escapeRegExp(c);
    }
  }
  return new RegExp(`^(?:${src})$`);
}

const likeCache = new PatternCache((key) => {
  const sep = key.indexOf('\u0000');
  return likeRegExp(key.slice(sep + 1), sep === 0 ? null : key.slice(0, sep));
});
const similarCache = new PatternCache((key) => {
  const sep = key.indexOf('\u0000');
  return similarRegExp(key.slice(sep + 1), sep === 0 ? null : key.slice(0, sep));
});

export function like(s: string, pattern: string, escapeChar: string | null): boolean {
  return likeCache.get(`${escapeChar ?? ''}\u0000${pattern}`).test(s);
}

export function similar(s: string, pattern: string, escapeChar: string | null): boolean {
  return similarCache.get(`${escapeChar ?? ''}\u0000${pattern}`).test(s);
}

// ---------------------------------------------------------------------------------------------
// Java regular expressions

const POSIX_CLASSES: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Space: ' \\t\\n\\x0B\\f\\r',
  XDigit: '0-9a-fA-F',
  Blank: ' \\t',
};

/**
 * A Java regular expression as a JavaScript one: leading inline flags `(?i)`, `(?s)`, `(?m)`,
 * `\Q...\E` quoting, POSIX classes `\p{Alpha}` and the anchors `\A`, `\z`, `\Z`. The rest of Java's
 * syntax that Flink users write (classes, groups, quantifiers, lookaround) is the same.
 */
export function javaRegExp(source: string, global = false): RegExp {
  let flags = global ? 'g' : '';
  let src = source;
  const inline = /^\(\?([imsx]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1]) if (f !== 'x' && !flags.includes(f)) flags += f;
    src = src.slice(inline[0].length);
  }
  src = src.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_, quoted: string) => escapeRegExp(quoted));
  src = src.replace(/\\([pP])\{(\w+)\}/g, (m, p: string, name: string) => {
    const cls = POSIX_CLASSES[name.replace(/^Is/, '')];
    if (!cls) return m;
    return p === 'p' ? `[${cls}]` : `[^${cls}]`;
  });
  src = src.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `invalid regular expression '${source}': ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

const regexCache = new PatternCache((source) => javaRegExp(source));
const globalRegexCache = new PatternCache((source) => javaRegExp(source, true));

/** REGEXP: whether some part of `s` matches; FALSE for an empty or invalid pattern (as Flink). */
export function regexp(s: string, re: RegExp | string): boolean {
  if (re === '') return false;
  try {
    return (typeof re === 'string' ? regexCache.get(re) : re).test(s);
  } catch {
    return false;
  }
}

/**
 * REGEXP_REPLACE: every match replaced by `replacement` taken literally (Flink quotes it:
 * `$1` is not a group reference); NULL for an invalid pattern.
 */
export function regexpReplace(s: string, re: RegExp | string, replacement: string): string | null {
  try {
    const r = typeof re === 'string' ? globalRegexCache.get(re) : re;
    r.lastIndex = 0;
    return s.replace(r, replacement.includes('$') ? replacement.replaceAll('$', '$$$$') : replacement);
  } catch {
    return null;
  }
}

/** REGEXP_EXTRACT: group `index` (0 the whole match) of the first match; NULL when none. */
export function regexpExtract(s: string, re: RegExp | string, index: number): string | null {
  let r: RegExp;
  try {
    r = typeof re === 'string' ? regexCache.get(re) : re;
  } catch {
    return null;
  }
  const m = r.exec(s);
  if (!m || index < 0 || index >= m.length) return null;
  return m[index] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Strings

/** INITCAP: the first letter of each word upper case, the rest lower case; words are runs of letters and digits. */
const ALNUM = /[\p{L}\p{N}]/u;

export function initcap(s: string): string {
  let out = '';
  let start = true;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const alnum = ALNUM.test(c);
    out += alnum && start ? c.toUpperCase() : c.toLowerCase();
    start = !alnum;
  }
  return out;
}

function trimStart(s: string, chars: string): string {
  let i = 0;
  while (i < s.length && chars.includes(s[i])) i++;
  return s.slice(i);
}

function trimEnd(s: string, chars: string): string {
  let j = s.length;
  while (j > 0 && chars.includes(s[j - 1])) j--;
  return s.slice(0, j);
}

/** TRIM([BOTH | LEADING | TRAILING] chars FROM s): removes any of `chars` from the ends. */
export function trim(mode: string, chars: string, s: string): string {
  if (mode === 'LEADING') return trimStart(s, chars);
  if (mode === 'TRAILING') return trimEnd(s, chars);
  return trimEnd(trimStart(s, chars), chars);
}

export function ltrim(s: string, chars: string): string {
  return trimStart(s, chars);
}

export function rtrim(s: string, chars: string): string {
  return trimEnd(s, chars);
}

/** REPLACE: every occurrence, as Java's String.replace (an empty search inserts between characters). */
export function replace(s: string, search: string, replacement: string): string {
  if (search === '') {
    let out = replacement;
    for (const c of s) out += c + replacement;
    return out;
  }
  return s.split(search).join(replacement);
}

// Flink's strings count characters as Unicode code points (its StringData is UTF-8), where a
// JavaScript string counts UTF-16 units: an emoji is one character in Flink and two units here. A
// string without surrogates (the common case) is indexed directly; one with them is handled as
// its array of code points.

const SURROGATE = /[\uD800-\uDFFF]/;

/** The code points of `s`, or null when each UTF-16 unit is one (no surrogate pair). */
function codePoints(s: string): string[] | null {
  return SURROGATE.test(s) ? Array.from(s) : null;
}

/** CHAR_LENGTH: the number of characters (code points). */
export function charLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || !isHigh(s.charCodeAt(i - 1))) n++;
  }
  return n;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * SUBSTRING(s, pos [, len]), 1-based: a position of 0 is 1, a negative position counts from the
 * end, a position past the end gives ''; a negative length gives NULL.
 */
export function substring(s: string, pos: number, len: number): string | null {
  if (len < 0) return null;
  const cps = codePoints(s);
  const n = cps ? cps.length : s.length;
  let start: number;
  if (pos > 0) {
    start = pos - 1;
    if (start >= n) return '';
  } else if (pos < 0) {
    start = n + pos;
    if (start < 0) return '';
  } else start = 0;
  const end = n - start < len ? n : start + len;
  return cps ? cps.slice(start, end).join('') : s.slice(start, end);
}

export function left(s: string, n: number): string {
  if (n <= 0) return '';
  const cps = codePoints(s);
  return cps ? cps.slice(0, n).join('') : s.slice(0, n);
}

export function right(s: string, n: number): string {
  if (n <= 0) return '';
  const cps = codePoints(s);
  if (cps) return n >= cps.length ? s : cps.slice(cps.length - n).join('');
  return n >= s.length ? s : s.slice(s.length - n);
}

/** LPAD: `s` cut or left-padded with `pad` to `len` characters; NULL for a negative length or empty pad. */
export function lpad(s: string, len: number, pad: string): string | null {
  return padTo(s, len, pad, true);
}

export function rpad(s: string, len: number, pad: string): string | null {
  return padTo(s, len, pad, false);
}

function padTo(s: string, len: number, pad: string, leading: boolean): string | null {
  if (len < 0 || pad === '') return null;
  const cps = codePoints(s);
  const padCps = codePoints(pad);
  if (!cps && !padCps) {
    if (len <= s.length) return s.slice(0, len);
    return leading ? s.padStart(len, pad) : s.padEnd(len, pad);
  }
  const chars = cps ?? s.split('');
  if (len <= chars.length) return chars.slice(0, len).join('');
  const fill = padCps ?? pad.split('');
  let extra = '';
  for (let i = 0; i < len - chars.length; i++) extra += fill[i % fill.length];
  return leading ? extra + s : s + extra;
}

export function repeat(s: string, n: number): string {
  return n <= 0 ? '' : s.repeat(n);
}

export function reverse(s: string): string {
  const cps = codePoints(s);
  if (cps) return cps.reverse().join('');
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
}

/**
 * OVERLAY(s PLACING r FROM pos [FOR len]): `len` characters (default r's length) at `pos` replaced
 * by `r`, with Flink's edges: a position outside the string gives `s`; when the replaced part
 * reaches past the end, or `len` is not positive, nothing of `s` follows `r`.
 */
export function overlay(s: string, r: string, pos: number, len: number): string {
  const cps = codePoints(s);
  if (!cps) {
    if (pos <= 0 || pos > s.length) return s;
    const tail = pos + len <= s.length && len > 0 ? s.slice(pos - 1 + len) : '';
    return s.slice(0, pos - 1) + r + tail;
  }
  if (pos <= 0 || pos > cps.length) return s;
  const tail = pos + len <= cps.length && len > 0 ? cps.slice(pos - 1 + len).join('') : '';
  return cps.slice(0, pos - 1).join('') + r + tail;
}

/** OVERLAY's default length: the replacement's length in characters. */
export function overlayLength(r: string): number {
  return charLength(r);
}

/** POSITION / LOCATE: the 1-based position (in characters) of `sub` in `s` from position `from`, 0 when absent. */
export function locate(sub: string, s: string, from: number): number {
  if (!SURROGATE.test(s)) return s.indexOf(sub, from - 1) + 1;
  // From the `from`th character, found at a UTF-16 offset, counted back in characters.
  const start = from <= 1 ? 0 : unitOffset(s, from - 1);
  const at = s.indexOf(sub, start);
  return at < 0 ? 0 : charLength(s.slice(0, at)) + 1;
}

/** INSTR(s, sub): the 1-based position (in characters) of the first `sub` in `s`, 0 when absent. */
export function instr(s: string, sub: string): number {
  return locate(sub, s, 1);
}

/** The UTF-16 offset of the `n`th (0-based) code point of `s` (its length when past the end). */
function unitOffset(s: string, n: number): number {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) i += isHigh(s.charCodeAt(i)) && i + 1 < s.length ? 2 : 1;
  return i;
}

/** SPLIT_INDEX: the `index`th (0-based) part of `s` split by `sep`; NULL when out of range. */
export function splitIndex(s: string, sep: string, index: number): string | null {
  if (index < 0 || s === '') return null;
  const parts = sep === '' ? s.trim().split(/\s+/) : s.split(sep);
  return index < parts.length ? parts[index] : null;
}

export function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

export function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------
// JSON_VALUE

/** The steps of a JSON path; `strict` for a path in strict mode (a missing member is an error). */
export type JsonPath = (string | number)[] & { strict?: boolean };

/** The step of a JSON path that selects every element or member: `[*]` or `.*`. */
export const JSON_WILDCARD = -1;

/** A JSON path of the supported subset: `$`, `.name`, `['name']`, `[index]`, `[*]`, `.*` (lax mode). */
export function compileJsonPath(path: string): JsonPath {
  let p = path.trim();
  let strict = false;
  if (p.startsWith('lax ')) p = p.slice(4).trim();
  else if (p.startsWith('strict ')) {
    p = p.slice(7).trim();
    strict = true;
  }
  if (!p.startsWith('$')) throw new WeirError('INVALID_ARGUMENT', `a JSON path starts with $: '${path}'`);
  const steps: JsonPath = [];
  const re = /\.([A-Za-z_$][\w$]*)|\.?"([^"]*)"|\.?\['([^']*)'\]|\.?\["([^"]*)"\]|\[(\d+)\]|(\[\*\]|\.\*)/y;
  re.lastIndex = 1;
  while (re.lastIndex < p.length) {
    const m = re.exec(p);
    if (!m) throw new WeirError('INVALID_ARGUMENT', `unsupported JSON path '${path}'`);
    if (m[6] !== undefined) steps.push(JSON_WILDCARD);
    else if (m[5] !== undefined) steps.push(Number(m[5]));
    else steps.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  if (strict) steps.strict = true;
  return steps;
}

const jsonPathCache = new PatternCache(compileJsonPath);

/** JSON_VALUE: the scalar at `path` as a string; NULL when absent, not a scalar, or the text is not JSON. */
export function jsonValue(json: string, path: JsonPath | string): string | null {
  const steps = typeof path === 'string' ? jsonPathCache.get(path) : path;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  for (const step of steps) {
    if (v === null || typeof v !== 'object' || step === JSON_WILDCARD) return null;
    v = (v as Record<string | number, unknown>)[step];
    if (v === undefined) return null;
  }
  if (v === null || typeof v === 'object') return null;
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Collections

/** `array[i]` (1-based) or `map[key]`; NULL when absent. */
export function item(base: unknown, key: unknown): unknown {
  if (Array.isArray(base)) {
    const i = key as number;
    return i >= 1 && i <= base.length ? (base[i - 1] ?? null) : null;
  }
  if (base instanceof Map) {
    if (base.has(key)) return base.get(key) ?? null;
    if (key !== null && typeof key === 'object') {
      for (const [k, v] of base) if (sqlEquals(k, key)) return v ?? null;
    }
    return null;
  }
  return (base as Record<string, unknown>)[key as string] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Math

export { divisionByZero, roundHalfUp, truncateTo, wrapLong };

/** ROUND(x, d) of an integer type: only a negative `d` changes it. */
export function roundInteger(x: number, d: number): number {
  return d >= 0 ? x : roundHalfUp(x, d);
}

/** java.util.Random, for RAND(seed) and RAND_INTEGER(seed, n): the same seed gives the same sequence. */
export class JavaRandom {
  private seed: bigint;

  constructor(seed: number) {
    this.seed = (BigInt(Math.trunc(seed)) ^ 0x5deece66dn) & ((1n << 48n) - 1n);
  }

  private next(bits: number): number {
    this.seed = (this.seed * 0x5deece66dn + 0xbn) & ((1n << 48n) - 1n);
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }

  nextDouble(): number {
    return (this.next(26) * 134217728 + this.next(27)) / 9007199254740992;
  }

  nextInt(bound: number): number {
    if (bound <= 0)
      throw new WeirError('INVALID_ARGUMENT', `RAND_INTEGER needs a positive bound, got ${bound}`);
    if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(this.next(31))) >> 31n);
    let bits: number;
    let val: number;
    do {
      bits = this.next(31);
      val = bits % bound;
    } while (bits - val + (bound - 1) < 0 || bits - val + (bound - 1) > 2147483647);
    return val;
  }
}

export function randInteger(n: number): number {
  if (n <= 0) throw new WeirError('INVALID_ARGUMENT', `RAND_INTEGER needs a positive bound, got ${n}`);
  return Math.floor(Math.random() * n);
}

// ---------------------------------------------------------------------------------------------
// Time

const dateFormatCache = new PatternCache((p) => compileDateFormat(p));
const javaTimeFormatCache = new PatternCache((p) => compileDateFormat(p, 'java-time'));

function formatOf(f: DateFormat | string): DateFormat {
  return typeof f === 'string' ? dateFormatCache.get(f) : f;
}

const DEFAULT_TIMESTAMP_FORMAT = compileDateFormat('yyyy-MM-dd HH:mm:ss');
const DEFAULT_DATE_FORMAT = compileDateFormat('yyyy-MM-dd');

/** DATE_FORMAT(ts, format) on a timestamp in epoch ms (DateTimeFormatter letters). */
export function dateFormat(ms: number, format: DateFormat | string): string {
  return formatWith(typeof format === 'string' ? javaTimeFormatCache.get(format) : format, ms);
}

/** DATE_FORMAT(string, format): the string is read as `yyyy-MM-dd HH:mm:ss` first; NULL if it is not. */
export function dateFormatString(s: string, format: DateFormat | string): string | null {
  const ms = parseTimestampText(s);
  return ms === null ? null : formatWith(formatOf(format), ms);
}

/** TO_TIMESTAMP(s [, format]): NULL when the string does not parse (DateTimeFormatter: all of it). */
export function toTimestamp(s: string, format: DateFormat | string | undefined): number | null {
  if (format === undefined) return parseTimestampText(s);
  return parseWith(typeof format === 'string' ? javaTimeFormatCache.get(format) : format, s);
}

/** TO_DATE(s [, format]) as days; NULL when the string does not parse. */
export function toDate(s: string, format: DateFormat | string | undefined): number | null {
  const ms = parseWith(format === undefined ? DEFAULT_DATE_FORMAT : formatOf(format), s);
  return ms === null ? null : daysOf(ms);
}

/** TO_TIMESTAMP_LTZ(n, precision): epoch seconds (precision 0) or milliseconds (3). */
export function toTimestampLtz(n: number, precision: number): number {
  if (precision === 0) return Math.round(n * 1000);
  if (precision === 3) return Math.round(n);
  throw new WeirError(
    'INVALID_ARGUMENT',
    `TO_TIMESTAMP_LTZ supports the precisions 0 and 3, got ${precision}`,
  );
}

/** UNIX_TIMESTAMP(s [, format]) in seconds; Long.MIN_VALUE when the string does not parse (as Flink). */
export function unixTimestamp(s: string, format: DateFormat | string | undefined): number {
  const ms = parseWith(format === undefined ? DEFAULT_TIMESTAMP_FORMAT : formatOf(format), s);
  return ms === null ? LONG_MIN : Math.floor(ms / 1000);
}

/** FROM_UNIXTIME(seconds [, format]), default `yyyy-MM-dd HH:mm:ss`. */
export function fromUnixtime(seconds: number, format: DateFormat | string | undefined): string {
  return formatWith(format === undefined ? DEFAULT_TIMESTAMP_FORMAT : formatOf(format), seconds * 1000);
}

/** A DATE moved by an interval of months. */
export function addMonthsToDate(days: number, months: number): number {
  return daysOf(addMonths(days * MS_PER_DAY, months));
}

export {
  addMonths,
  ceilTimestamp,
  compileDateFormat,
  extractField,
  floorTimestamp,
  formatWith,
  timestampAdd,
  timestampDiff,
};
