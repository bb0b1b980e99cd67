/**
 * DATE, TIME and TIMESTAMP values on their runtime forms (core/sql-type.ts): a TIMESTAMP is epoch
 * milliseconds read as UTC wall-clock time, a DATE days since 1970-01-01, a TIME milliseconds of the
 * day. Calendar fields come from days by arithmetic (no Date object per record); the text forms are
 * the ones Flink's CAST to and from STRING uses (`2020-04-15 08:05:00.000`).
 *
 * @example
 * formatTimestamp(daysFromCivil(2020, 4, 15) * MS_PER_DAY + 29_100_000, 3); // '2020-04-15 08:05:00.000'
 */

export const MS_PER_DAY = 86_400_000;

/** Days since the epoch of a timestamp (floor, so times before 1970 fall on the right day). */
export function daysOf(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** Milliseconds of the day of a timestamp. */
export function timeOfDay(ms: number): number {
  const r = ms % MS_PER_DAY;
  return r < 0 ? r + MS_PER_DAY : r;
}

/** A calendar date's fields. */
export interface Civil {
  year: number;
  month: number;
  day: number;
}

// One object reused by every call: the record path allocates nothing for calendar fields.
const CIVIL: Civil = { year: 0, month: 0, day: 0 };

/**
 * Year, month (1-12) and day (1-31) of a day number (proleptic Gregorian calendar). The result is
 * a shared object, valid until the next call: read its fields at once.
 */
export function civilFromDays(days: number): Civil {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  CIVIL.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  CIVIL.month = month;
  CIVIL.day = day;
  return CIVIL;
}

/** The day number of a calendar date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

// ---------------------------------------------------------------------------------------------
// Printing and parsing the SQL text forms

/** "00".."99" and "000".."999": printing fields by table lookup, without building padded strings. */
export const D2: string[] = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
export const D3: string[] = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

function padYear(y: number): string {
  if (y >= 1000 && y <= 9999) return String(y);
  return y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
}

/** `yyyy-MM-dd` of a DATE. */
export function formatDate(days: number): string {
  const c = civilFromDays(days);
  return `${padYear(c.year)}-${D2[c.month]}-${D2[c.day]}`;
}

/** `HH:mm:ss[.fff]` of a TIME with `precision` fraction digits. */
export function formatTime(msOfDay: number, precision: number): string {
  const h = Math.floor(msOfDay / 3_600_000);
  let rest = msOfDay - h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  const ms = rest - sec * 1000;
  const out = `${h < 100 ? D2[h] : String(h)}:${D2[m]}:${D2[sec]}`;
  return precision > 0 ? `${out}.${fraction(ms, precision)}` : out;
}

/** The fraction of a second of `ms` milliseconds with exactly `precision` digits. */
function fraction(ms: number, precision: number): string {
  const three = D3[ms];
  return precision === 3 ? three : precision < 3 ? three.slice(0, precision) : three.padEnd(precision, '0');
}

/** `yyyy-MM-dd HH:mm:ss[.fff]` of a TIMESTAMP(precision), as Flink casts it to a string. */
export function formatTimestamp(ms: number, precision: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  return `${formatDate(days)} ${formatTime(ms - days * MS_PER_DAY, precision)}`;
}

const TIMESTAMP_TEXT =
  /^\s*(-?\d{1,9})-(\d{1,2})-(\d{1,2})(?:(?:\s+|T)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*$/;

/** A timestamp string (`yyyy-MM-dd[ HH:mm[:ss[.fffffffff]]]`, or with `T`) as epoch ms; null if invalid. */
export function parseTimestampText(text: string): number | null {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (h > 23 || mi > 59 || s > 59) return null;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

const DATE_TEXT = /^\s*(-?\d{1,9})-(\d{1,2})-(\d{1,2})\s*$/;

/** A `yyyy-MM-dd` string as a day number; null if invalid. */
export function parseDateText(text: string): number | null {
  const m = DATE_TEXT.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return daysFromCivil(year, month, day);
}

const TIME_TEXT = /^\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?\s*$/;

/** A `HH:mm[:ss[.fff]]` string as milliseconds of the day; null if invalid. */
export function parseTimeText(text: string): number | null {
  const m = TIME_TEXT.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 23 || mi > 59 || s > 59) return null;
  return ((h * 60 + mi) * 60 + s) * 1000 + (m[4] === undefined ? 0 : Number(m[4].padEnd(3, '0').slice(0, 3)));
}
