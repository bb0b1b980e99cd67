/**
 * Built-in functions that turn numbers and strings into other text forms, and test strings, with
 * Flink's semantics: BIN and HEX print integers as Java's Long.toBinaryString / toHexString (a
 * negative number as its 64-bit two's complement), HEX of a string is its UTF-8 bytes, base64 is of
 * UTF-8 bytes, CHR takes the low byte, PARSE_URL reads the parts java.net.URL names, and
 * CONVERT_TZ moves a `yyyy-MM-dd HH:mm:ss` wall-clock time between time zones. NULL arguments never
 * reach these functions (the compiled expression checks them first), except for IS_DIGIT, IS_ALPHA
 * and IS_DECIMAL, which answer FALSE for NULL.
 *
 * @example
 * bin(12); // '1100'
 * hexOf('hello,world'); // '68656C6C6F2C776F726C64'
 * parseUrl('http://facebook.com/path1/p.php?k1=v1&k2=v2#Ref1', 'QUERY', 'k1'); // 'v1'
 */
import { createHash } from 'node:crypto';
import { daysFromCivil, daysInMonth, formatTimestamp, MS_PER_DAY } from '../../../core/sql-datetime.ts';

/** BIN: the binary digits of an integer (a negative one as 64-bit two's complement). */
export function bin(x: number): string {
  return x >= 0 ? x.toString(2) : BigInt.asUintN(64, BigInt(Math.trunc(x))).toString(2);
}

/** HEX of an integer (upper case; a negative one as 64-bit two's complement) or of a string's UTF-8 bytes. */
export function hexOf(x: number | string): string {
  if (typeof x === 'string') return Buffer.from(x, 'utf8').toString('hex').toUpperCase();
  return (x >= 0 ? x.toString(16) : BigInt.asUintN(64, BigInt(Math.trunc(x))).toString(16)).toUpperCase();
}

/** TO_BASE64 of a string's UTF-8 bytes. */
export function toBase64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** FROM_BASE64: the base64 text decoded, read as UTF-8. */
export function fromBase64(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

/** CHR: the character of the integer's low byte (`CHR(353)` is 'a'); '' for a negative integer. */
export function chr(n: number): string {
  return n < 0 ? '' : String.fromCharCode(n & 0xff);
}

/**
 * PARSE_URL(url, part [, key]): HOST, PATH, QUERY, REF, PROTOCOL, AUTHORITY, FILE or USERINFO of a
 * URL as java.net.URL gives them; with a key, the value of that query parameter. NULL when the URL
 * does not parse, the part is unknown or absent.
 */
export function parseUrl(url: string, part: string, key?: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const query = u.search === '' ? null : u.search.slice(1);
  if (key !== undefined) {
    if (part !== 'QUERY' || query === null) return null;
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      if (eq >= 0 && pair.slice(0, eq) === key) return pair.slice(eq + 1);
    }
    return null;
  }
  const userInfo = u.username === '' ? null : u.password === '' ? u.username : `${u.username}:${u.password}`;
  switch (part) {
    case 'HOST':
      return u.hostname;
    case 'PATH':
      return u.pathname;
    case 'QUERY':
      return query;
    case 'REF':
      return u.hash === '' ? null : u.hash.slice(1);
    case 'PROTOCOL':
      return u.protocol.slice(0, -1);
    case 'AUTHORITY':
      return `${userInfo === null ? '' : `${userInfo}@`}${u.host}`;
    case 'FILE':
      return query === null ? u.pathname : `${u.pathname}?${query}`;
    case 'USERINFO':
      return userInfo;
    default:
      return null;
  }
}

const DIGITS = /^\p{Nd}+$/u;
const LETTERS = /^\p{L}+$/u;
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** IS_DIGIT: whether every character is a digit (FALSE for NULL and ''). */
export function isDigit(s: string | null): boolean {
  return s != null && DIGITS.test(s);
}

/** IS_ALPHA: whether every character is a letter (FALSE for NULL and ''). */
export function isAlpha(s: string | null): boolean {
  return s != null && LETTERS.test(s);
}

/** IS_DECIMAL: whether the string reads as a number (FALSE for NULL and ''). */
export function isDecimal(s: string | null): boolean {
  return s != null && DECIMAL_TEXT.test(s);
}

// ---------------------------------------------------------------------------------------------
// CONVERT_TZ

const zoneFormats = new Map<string, Intl.DateTimeFormat | number | null>();
const FIXED_ZONE = /^(?:GMT|UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$/;

/** A zone's formatter, or its fixed offset in ms (`GMT-08:00`, `UTC`), or null when unknown. */
function zoneOf(id: string): Intl.DateTimeFormat | number | null {
  let z = zoneFormats.get(id);
  if (z !== undefined) return z;
  const fixed = FIXED_ZONE.exec(id);
  if (id === 'UTC' || id === 'GMT' || id === 'Z') z = 0;
  else if (fixed)
    z = (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 3_600_000 + Number(fixed[3] ?? 0) * 60_000);
  else {
    try {
      z = new Intl.DateTimeFormat('en-US', {
        timeZone: id,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      z = null;
    }
  }
  if (zoneFormats.size < 1000) zoneFormats.set(id, z);
  return z;
}

/** The offset of a zone from UTC at an instant, in ms. */
function offsetAt(zone: Intl.DateTimeFormat | number, instant: number): number {
  if (typeof zone === 'number') return zone;
  const f: Record<string, number> = {};
  for (const p of zone.formatToParts(instant)) if (p.type !== 'literal') f[p.type] = Number(p.value);
  const wall =
    daysFromCivil(f.year, f.month, f.day) * MS_PER_DAY + ((f.hour * 60 + f.minute) * 60 + f.second) * 1000;
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

const DATETIME_TEXT = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?\s*$/;

/**
 * CONVERT_TZ(text, from, to): the wall-clock time `yyyy-MM-dd HH:mm:ss` read in zone `from`,
 * shown in zone `to`. Zones are IANA names (`America/Los_Angeles`), `UTC` or offsets
 * (`GMT-08:00`); NULL when the text or a zone is not understood.
 */
export function convertTz(text: string, from: string, to: string): string | null {
  const m = DATETIME_TEXT.exec(text);
  const fz = zoneOf(from);
  const tz = zoneOf(to);
  if (!m || fz === null || tz === null) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const wall =
    daysFromCivil(year, month, day) * MS_PER_DAY +
    ((Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6])) * 1000;
  // The instant whose wall time in `from` is `wall`: subtract the offset, then correct it once
  // for an offset that differs at the instant found (a transition in between).
  let instant = wall - offsetAt(fz, wall);
  instant = wall - offsetAt(fz, instant);
  return formatTimestamp(instant + offsetAt(tz, instant), 0);
}

// ---------------------------------------------------------------------------------------------
// Hashes and prefixes

/** SHA1, SHA224, SHA384, SHA512: the hash of the string's UTF-8 bytes in lower-case hex. */
export function shaHex(s: string, algorithm: 'sha1' | 'sha224' | 'sha384' | 'sha512' | 'sha256'): string {
  return createHash(algorithm).update(s, 'utf8').digest('hex');
}

/** SHA2(s, bits): SHA-224, -256, -384 or -512 by the bit length; NULL for another length. */
export function sha2(s: string, bits: number): string | null {
  return bits === 224 || bits === 256 || bits === 384 || bits === 512 ? shaHex(s, `sha${bits}`) : null;
}

/** STARTSWITH(s, prefix): TRUE for an empty prefix. */
export function startsWith(s: string, prefix: string): boolean {
  return s.startsWith(prefix);
}

/** ENDSWITH(s, suffix): TRUE for an empty suffix. */
export function endsWith(s: string, suffix: string): boolean {
  return s.endsWith(suffix);
}
