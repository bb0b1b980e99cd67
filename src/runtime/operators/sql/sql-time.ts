/**
 * Date and time arithmetic of the SQL runtime on its value forms (core/sql-type.ts): a TIMESTAMP is
 * epoch milliseconds read as UTC wall-clock time, a DATE days since 1970-01-01, a TIME milliseconds
 * of the day. The calendar and the CAST text forms are in core/sql-datetime.ts; here are the
 * functions of SQL (EXTRACT, TIMESTAMPADD, FLOOR/CEIL to a unit...) and date formats: Java
 * SimpleDateFormat patterns, compiled once into a list of parts.
 */
import { WeirError } from '../../../core/errors.ts';
import {
  civilFromDays,
  D2,
  D3,
  daysFromCivil,
  daysInMonth,
  daysOf,
  MS_PER_DAY,
  timeOfDay,
} from '../../../core/sql-datetime.ts';

/** Day of week 1 (Monday) .. 7 (Sunday), ISO. */
export function isoDayOfWeek(days: number): number {
  const d = (((days + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  return d + 1;
}

/** ISO week number and week-based year of a day. */
export function isoWeek(days: number): { week: number; year: number } {
  const dow = isoDayOfWeek(days);
  const thursday = days - dow + 4;
  const { year } = civilFromDays(thursday);
  const jan1 = daysFromCivil(year, 1, 1);
  return { week: Math.floor((thursday - jan1) / 7) + 1, year };
}

/** A timestamp moved by `months` calendar months; the day is clamped to the month's last day. */
export function addMonths(ms: number, months: number): number {
  const days = daysOf(ms);
  const { year, month, day } = civilFromDays(days);
  const total = year * 12 + (month - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  const d = Math.min(day, daysInMonth(y, m));
  return daysFromCivil(y, m, d) * MS_PER_DAY + timeOfDay(ms);
}

/**
 * Whole months from `a` to `b` (TIMESTAMPDIFF MONTH), as Calcite counts them: the most months that
 * can be added to `a` (clamping the day to the month's end) without passing `b`.
 */
export function monthsBetween(a: number, b: number): number {
  if (b < a) return -monthsBetween(b, a);
  const { year: ya, month: ma } = civilFromDays(daysOf(a));
  const { year: yb, month: mb } = civilFromDays(daysOf(b));
  let m = (yb - ya) * 12 + (mb - ma);
  while (m > 0 && addMonths(a, m) > b) m--;
  while (addMonths(a, m + 1) <= b) m++;
  return m;
}

const UNIT_MS: Record<string, number> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: MS_PER_DAY,
  WEEK: 7 * MS_PER_DAY,
};

const UNIT_MONTHS: Record<string, number> = { MONTH: 1, QUARTER: 3, YEAR: 12 };

/** TIMESTAMPADD on a timestamp: `n` units later. */
export function timestampAdd(unit: string, n: number, ms: number): number {
  const fixed = UNIT_MS[unit];
  if (fixed !== undefined) return ms + n * fixed;
  const months = UNIT_MONTHS[unit];
  if (months !== undefined) return addMonths(ms, n * months);
  throw new WeirError('INVALID_ARGUMENT', `TIMESTAMPADD does not support the unit ${unit}`);
}

/** TIMESTAMPDIFF: the whole units from `a` to `b`, truncated toward zero. */
export function timestampDiff(unit: string, a: number, b: number): number {
  const fixed = UNIT_MS[unit];
  if (fixed !== undefined) return Math.trunc((b - a) / fixed) + 0;
  const months = UNIT_MONTHS[unit];
  if (months !== undefined) return Math.trunc(monthsBetween(a, b) / months) + 0;
  throw new WeirError('INVALID_ARGUMENT', `TIMESTAMPDIFF does not support the unit ${unit}`);
}

/** FLOOR(ts TO unit) and CEIL(ts TO unit). */
export function floorTimestamp(ms: number, unit: string): number {
  const fixed = UNIT_MS[unit];
  if (fixed !== undefined && unit !== 'WEEK') return Math.floor(ms / fixed) * fixed;
  const days = daysOf(ms);
  if (unit === 'WEEK') {
    // Weeks start on Sunday in Calcite's FLOOR TO WEEK.
    const dow = isoDayOfWeek(days) % 7; // Sunday 0
    return (days - dow) * MS_PER_DAY;
  }
  const { year, month } = civilFromDays(days);
  switch (unit) {
    case 'MONTH':
      return daysFromCivil(year, month, 1) * MS_PER_DAY;
    case 'QUARTER':
      return daysFromCivil(year, month - ((month - 1) % 3), 1) * MS_PER_DAY;
    case 'YEAR':
      return daysFromCivil(year, 1, 1) * MS_PER_DAY;
    case 'DECADE':
      return daysFromCivil(year - (((year % 10) + 10) % 10), 1, 1) * MS_PER_DAY;
    case 'CENTURY':
      return daysFromCivil(Math.floor((year - 1) / 100) * 100 + 1, 1, 1) * MS_PER_DAY;
    case 'MILLENNIUM':
      return daysFromCivil(Math.floor((year - 1) / 1000) * 1000 + 1, 1, 1) * MS_PER_DAY;
    default:
      throw new WeirError('INVALID_ARGUMENT', `FLOOR/CEIL ... TO does not support the unit ${unit}`);
  }
}

export function ceilTimestamp(ms: number, unit: string): number {
  const floor = floorTimestamp(ms, unit);
  if (floor === ms) return ms;
  const fixed = UNIT_MS[unit];
  if (fixed !== undefined) return floor + fixed;
  switch (unit) {
    case 'MONTH':
      return addMonths(floor, 1);
    case 'QUARTER':
      return addMonths(floor, 3);
    case 'YEAR':
      return addMonths(floor, 12);
    case 'DECADE':
      return addMonths(floor, 120);
    case 'CENTURY':
      return addMonths(floor, 1200);
    default:
      return addMonths(floor, 12000);
  }
}

/** EXTRACT(unit FROM ts) and the YEAR(), MONTH()... functions, on a timestamp in milliseconds. */
export function extractField(unit: string, ms: number): number {
  const days = daysOf(ms);
  const tod = timeOfDay(ms);
  switch (unit) {
    case 'YEAR':
      return civilFromDays(days).year;
    case 'QUARTER':
      return Math.floor((civilFromDays(days).month - 1) / 3) + 1;
    case 'MONTH':
      return civilFromDays(days).month;
    case 'WEEK':
      return isoWeek(days).week;
    case 'DAY':
    case 'DAYOFMONTH':
      return civilFromDays(days).day;
    case 'DOY':
    case 'DAYOFYEAR':
      return days - daysFromCivil(civilFromDays(days).year, 1, 1) + 1;
    case 'DOW':
    case 'DAYOFWEEK':
      // 1 = Sunday .. 7 = Saturday.
      return (isoDayOfWeek(days) % 7) + 1;
    case 'ISODOW':
      return isoDayOfWeek(days);
    case 'ISOYEAR':
      return isoWeek(days).year;
    case 'HOUR':
      return Math.floor(tod / 3_600_000);
    case 'MINUTE':
      return Math.floor(tod / 60_000) % 60;
    case 'SECOND':
      return Math.floor(tod / 1000) % 60;
    case 'MILLISECOND':
      return tod % 60_000;
    case 'MICROSECOND':
      return (tod % 60_000) * 1000;
    case 'EPOCH':
      return Math.floor(ms / 1000);
    case 'DECADE':
      return Math.trunc(civilFromDays(days).year / 10);
    case 'CENTURY': {
      const y = civilFromDays(days).year;
      return y > 0 ? Math.floor((y + 99) / 100) : -Math.floor((99 - y) / 100);
    }
    case 'MILLENNIUM': {
      const y = civilFromDays(days).year;
      return y > 0 ? Math.floor((y + 999) / 1000) : -Math.floor((999 - y) / 1000);
    }
    default:
      throw new WeirError('INVALID_ARGUMENT', `EXTRACT does not support the unit ${unit}`);
  }
}

// ---------------------------------------------------------------------------------------------
// SimpleDateFormat patterns

type FormatPart = { kind: 'text'; text: string } | { kind: 'field'; letter: string; count: number };

/**
 * Which Java formatter a pattern follows. Flink's DATE_FORMAT of a TIMESTAMP formats with
 * java.time's DateTimeFormatter (`S` is a fraction of the second, `u` the year); FROM_UNIXTIME,
 * UNIX_TIMESTAMP and DATE_FORMAT of a string use java.text.SimpleDateFormat (`S` is a count of
 * milliseconds, `u` the day of the week). The common letters agree.
 */
export type DateFormatFlavor = 'simple' | 'java-time';

/** A date format pattern compiled once: format with {@link formatWith}, parse with {@link parseWith}. */
export interface DateFormat {
  pattern: string;
  flavor: DateFormatFlavor;
  parts: FormatPart[];
  /** A regular expression that reads the pattern's fields, for parsing. */
  parser: RegExp;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const FIELD_LETTERS = 'GyYMLwWDdFEuaHkKhmsSzZX';

/** Compiles a SimpleDateFormat pattern (`yyyy-MM-dd HH:mm:ss.SSS`, `'quoted text'`, `''` for a quote). */
export function compileDateFormat(pattern: string, flavor: DateFormatFlavor = 'simple'): DateFormat {
  const parts: FormatPart[] = [];
  let i = 0;
  let text = '';
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        text += "'";
        i += 2;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new WeirError('INVALID_ARGUMENT', `unterminated quote in date format '${pattern}'`);
      text += pattern.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (FIELD_LETTERS.includes(c)) {
      let n = 1;
      while (pattern[i + n] === c) n++;
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'field', letter: c, count: n });
      i += n;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      throw new WeirError('INVALID_ARGUMENT', `illegal pattern character '${c}' in date format '${pattern}'`);
    text += c;
    i++;
  }
  if (text) parts.push({ kind: 'text', text });
  return { pattern, flavor, parts, parser: parserOf(parts, flavor === 'java-time') };
}

function fractionDigits(ms: number, count: number): string {
  const three = D3[ms];
  return count <= 3 ? three.slice(0, count) : three.padEnd(count, '0');
}

function padN(n: number, count: number): string {
  if (count === 2 && n < 100) return D2[n];
  if (count === 3 && n < 1000) return D3[n];
  if (count === 1) return String(n);
  const s = String(n);
  return s.length >= count ? s : '0'.repeat(count - s.length) + s;
}

/** Formats a timestamp (epoch ms, UTC wall clock) with a compiled pattern. */
export function formatWith(f: DateFormat, ms: number): string {
  const days = daysOf(ms);
  const tod = timeOfDay(ms);
  const { year, month, day } = civilFromDays(days);
  let out = '';
  for (const p of f.parts) {
    if (p.kind === 'text') {
      out += p.text;
      continue;
    }
    const n = p.count;
    switch (p.letter) {
      case 'G':
        out += year > 0 ? 'AD' : 'BC';
        break;
      case 'y':
      case 'Y':
      case 'u':
        if (p.letter === 'u' && f.flavor === 'simple') {
          out += padN(isoDayOfWeek(days), n);
          break;
        }
        out += n === 2 ? padN(year % 100, 2) : padN(p.letter === 'Y' ? isoWeek(days).year : year, n);
        break;
      case 'M':
      case 'L':
        out += n >= 4 ? MONTHS[month - 1] : n === 3 ? MONTHS[month - 1].slice(0, 3) : padN(month, n);
        break;
      case 'w':
        out += padN(isoWeek(days).week, n);
        break;
      case 'W':
        out += padN(Math.floor((day - 1 + (isoDayOfWeek(days - day + 1) % 7 || 7) - 1) / 7) + 1, n);
        break;
      case 'D':
        out += padN(days - daysFromCivil(year, 1, 1) + 1, n);
        break;
      case 'd':
        out += padN(day, n);
        break;
      case 'F':
        out += padN(Math.floor((day - 1) / 7) + 1, n);
        break;
      case 'E': {
        const name = WEEKDAYS[isoDayOfWeek(days) - 1];
        out += n >= 4 ? name : name.slice(0, 3);
        break;
      }
      case 'a':
        out += tod < 43_200_000 ? 'AM' : 'PM';
        break;
      case 'H':
        out += padN(Math.floor(tod / 3_600_000), n);
        break;
      case 'k':
        out += padN(Math.floor(tod / 3_600_000) || 24, n);
        break;
      case 'K':
        out += padN(Math.floor(tod / 3_600_000) % 12, n);
        break;
      case 'h':
        out += padN(Math.floor(tod / 3_600_000) % 12 || 12, n);
        break;
      case 'm':
        out += padN(Math.floor(tod / 60_000) % 60, n);
        break;
      case 's':
        out += padN(Math.floor(tod / 1000) % 60, n);
        break;
      case 'S':
        // SimpleDateFormat: the millisecond count, zero-padded to the letter count;
        // DateTimeFormatter: the fraction of the second with as many digits as letters.
        out += f.flavor === 'simple' ? padN(tod % 1000, n) : fractionDigits(tod % 1000, n);
        break;
      case 'z':
        out += n >= 4 ? 'Coordinated Universal Time' : 'UTC';
        break;
      case 'Z':
        out += '+0000';
        break;
      case 'X':
        out += 'Z';
        break;
    }
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** SimpleDateFormat parses a prefix of the text (the rest is ignored); DateTimeFormatter all of it. */
function parserOf(parts: FormatPart[], whole: boolean): RegExp {
  let src = '^\\s*';
  parts.forEach((p, i) => {
    if (p.kind === 'text') {
      src += escapeRegExp(p.text);
      return;
    }
    const next = parts[i + 1];
    if (p.letter === 'M' && p.count >= 3) src += '([A-Za-z]+)';
    else if (p.letter === 'E' || p.letter === 'a' || p.letter === 'G' || p.letter === 'z')
      src += '([A-Za-z ]+?)';
    else if (p.letter === 'Z' || p.letter === 'X') src += '(Z|[+-]\\d{2}:?\\d{2})';
    // Adjacent numeric fields (yyyyMMdd) take exactly their letter count of digits.
    else if (next?.kind === 'field') src += `(\\d{${p.count}})`;
    else src += p.letter === 'y' ? '(-?\\d+)' : '(\\d+)';
  });
  return new RegExp(whole ? `${src}\\s*$` : src);
}

/** Parses a string with a compiled pattern into epoch ms (UTC wall clock); null if it does not match. */
export function parseWith(f: DateFormat, text: string): number | null {
  const m = f.parser.exec(text);
  if (!m) return null;
  let year = 1970;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millis = 0;
  let pm = false;
  let hour12 = false;
  let offsetMs = 0;
  let g = 1;
  for (const p of f.parts) {
    if (p.kind === 'text') continue;
    const v = m[g++];
    switch (p.letter) {
      case 'y':
      case 'Y':
        year = Number(v);
        if (p.count === 2 && v.length === 2) year += 2000;
        break;
      case 'M':
      case 'L':
        if (p.count >= 3) {
          const i = MONTHS.findIndex((name) => name.toLowerCase().startsWith(v.toLowerCase().slice(0, 3)));
          if (i < 0) return null;
          month = i + 1;
        } else month = Number(v);
        break;
      case 'd':
        day = Number(v);
        break;
      case 'D':
        month = 1;
        day = Number(v);
        break;
      case 'H':
      case 'k':
        hour = Number(v) % 24;
        break;
      case 'h':
      case 'K':
        hour = Number(v) % 12;
        hour12 = true;
        break;
      case 'a':
        pm = v.toUpperCase() === 'PM';
        break;
      case 'm':
        minute = Number(v);
        break;
      case 's':
        second = Number(v);
        break;
      case 'S':
        millis = Number(v.length > 3 ? v.slice(0, 3) : v);
        break;
      case 'Z':
      case 'X': {
        if (v !== 'Z') {
          const sign = v[0] === '-' ? -1 : 1;
          const digits = v.slice(1).replace(':', '');
          offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
        }
        break;
      }
    }
  }
  if (hour12 && pm) hour += 12;
  if (month < 1 || month > 12 || minute > 59 || second > 59) return null;
  if (p0(f, 'D')) {
    // A day of the year: add to January 1st.
    return (
      (daysFromCivil(year, 1, 1) + day - 1) * MS_PER_DAY +
      ((hour * 60 + minute) * 60 + second) * 1000 +
      millis -
      offsetMs
    );
  }
  if (day < 1 || day > daysInMonth(year, month)) return null;
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY +
    ((hour * 60 + minute) * 60 + second) * 1000 +
    millis -
    offsetMs
  );
}

function p0(f: DateFormat, letter: string): boolean {
  return f.parts.some((p) => p.kind === 'field' && p.letter === letter);
}
