/**
 * Apache Flink's reference results for the Nexmark queries, and the canonical form that Weir's
 * results are put in to be compared with them (defined in test/sql/nexmark/README.md).
 *
 * A result is canonical when its changelog has been applied to a multiset of rows (+I and +U add a
 * row, -U and -D remove one copy), each row written as a JSON array of canonical column values on
 * one line, and the lines sorted by their UTF-8 bytes. Canonical values: NULL is `null`, BOOLEAN
 * `true`/`false`, TINYINT to BIGINT a JSON integer, FLOAT/DOUBLE/DECIMAL the exact value rounded
 * half-up (ties away from zero) to 6 decimal places with trailing zeros removed, TIMESTAMP and
 * TIMESTAMP_LTZ a `"yyyy-MM-dd HH:mm:ss.SSS"` string in UTC, strings as JSON.stringify writes them.
 * The canonical text is every line followed by `\n`; its SHA-256 is what the manifest records.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { WeirError } from '../../../src/core/errors.ts';

/** Where the reference outputs live. */
export const EXPECTED_DIR = join(import.meta.dirname, 'expected');

/** A changelog row kind, written as Flink prints it. */
export type RowKind = '+I' | '-U' | '+U' | '-D';

/** One message of a result changelog: a row of column values and its kind. */
export interface ChangelogRow {
  kind: RowKind;
  values: readonly unknown[];
}

/** A result column as Flink typed it: its name, its type (e.g. `DECIMAL(23, 3)`), nullability. */
export interface ExpectedColumn {
  name: string;
  type: string;
  nullable: boolean;
}

/** One query's entry in expected/manifest.json. */
export interface ManifestEntry {
  /** `ok`: Flink ran it; `flink-unsupported`: Flink refused or failed it (see `error`);
   * `processing-time`: its results depend on the wall clock, not computed. */
  status: 'ok' | 'flink-unsupported' | 'processing-time';
  /** Rows of the final result (all of them, also when `file` holds only the first lines). */
  rows: number | null;
  /** SHA-256 (hex) of the whole canonical text. */
  sha256: string | null;
  /** The gzip file of canonical lines in expected/: `qN.jsonl.gz`, or `qN.head.jsonl.gz` for the
   * first `fileLines` lines only when the whole would exceed 1 MB compressed. */
  file?: string;
  fileLines?: number;
  /** The kind of changelog Flink produced: only +I, retractions (-U before +U), or upserts (+U
   * without -U, applied by the key that `note` names). */
  changelog?: 'insert-only' | 'retract' | 'upsert';
  /** How an unusual changelog was applied. */
  note?: string;
  /** Result columns; null when Flink could not even plan the query. */
  columns: ExpectedColumn[] | null;
  /** Flink's error message, or why a query was not computed. */
  error?: string;
}

/** The manifest: the run's parameters and one entry per query (`q0` to `q22`). */
export interface Manifest {
  flinkVersion: string;
  parallelism: number;
  events: { count: number; rate: number; sha256: string };
  queries: Record<string, ManifestEntry>;
}

/** A query's reference result: its manifest entry and the canonical lines stored for it. */
export interface ExpectedResult {
  entry: ManifestEntry;
  /** The canonical lines stored, sorted; all of them when `complete`, else the first ones. */
  lines: string[];
  /** Whether `lines` is the whole result (else compare the whole by `entry.sha256`). */
  complete: boolean;
}

/** Reads expected/manifest.json. */
export function loadManifest(dir: string = EXPECTED_DIR): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

/** The manifest entry and stored canonical lines of `query` (e.g. `'q5'`). */
export function loadExpected(query: string, dir: string = EXPECTED_DIR): ExpectedResult {
  const entry = loadManifest(dir).queries[query];
  if (entry === undefined) {
    throw new WeirError('INVALID_ARGUMENT', `no Flink reference result for "${query}" in ${dir}`);
  }
  if (entry.status !== 'ok' || entry.file === undefined) {
    return { entry, lines: [], complete: false };
  }
  const text = gunzipSync(readFileSync(join(dir, entry.file))).toString('utf8');
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  return { entry, lines, complete: lines.length === entry.rows };
}

/**
 * The canonical lines of a result given as a changelog: applied to a multiset, formatted by the
 * column types (Flink type names as in the manifest), sorted by UTF-8 bytes. Throws
 * `INVALID_ARGUMENT` when a -U or -D removes a row that is not in the result.
 */
export function canonicalRows(changelog: Iterable<ChangelogRow>, columnTypes: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const { kind, values } of changelog) {
    const line = canonicalLine(values, columnTypes);
    if (kind === '+I' || kind === '+U') {
      counts.set(line, (counts.get(line) ?? 0) + 1);
    } else {
      const n = counts.get(line);
      if (n === undefined) {
        throw new WeirError('INVALID_ARGUMENT', `${kind} of a row not in the result: ${line}`);
      }
      if (n === 1) counts.delete(line);
      else counts.set(line, n - 1);
    }
  }
  const rows: Buffer[] = [];
  for (const [line, n] of counts) {
    const bytes = Buffer.from(line, 'utf8');
    for (let i = 0; i < n; i++) rows.push(bytes);
  }
  rows.sort(Buffer.compare);
  return rows.map((b) => b.toString('utf8'));
}

/** The canonical text of canonical lines: each followed by a newline. */
export function canonicalText(lines: readonly string[]): string {
  let text = '';
  for (const line of lines) text += `${line}\n`;
  return text;
}

/** SHA-256 (hex) of the canonical text of `lines`, as the manifest records it. */
export function canonicalSha256(lines: readonly string[]): string {
  const hash = createHash('sha256');
  for (const line of lines) hash.update(`${line}\n`, 'utf8');
  return hash.digest('hex');
}

/** One row as its canonical line: a JSON array of canonical values, without spaces. */
export function canonicalLine(values: readonly unknown[], columnTypes: readonly string[]): string {
  if (values.length !== columnTypes.length) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `a row of ${values.length} values for ${columnTypes.length} columns: ${JSON.stringify(values, jsonSafe)}`,
    );
  }
  let line = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += canonicalValue(values[i], columnTypes[i]);
  }
  return `${line}]`;
}

/**
 * The canonical JSON of one value of a column of Flink type `type`. Integers may be numbers or
 * bigints; FLOAT/DOUBLE/DECIMAL numbers (their exact binary value is rounded, as Java's
 * `new BigDecimal(double)`), bigints or decimal strings; timestamps epoch-millisecond numbers,
 * `Date`s or canonical timestamp strings.
 */
export function canonicalValue(value: unknown, type: string): string {
  if (value === null || value === undefined) return 'null';
  const base = baseType(type);
  switch (base) {
    case 'BOOLEAN':
      if (typeof value !== 'boolean') break;
      return value ? 'true' : 'false';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'INTEGER':
    case 'BIGINT':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
      break;
    case 'FLOAT':
    case 'REAL':
    case 'DOUBLE':
    case 'DECIMAL':
    case 'NUMERIC':
      if (typeof value === 'number') {
        // Java writes NaN and the infinities, which JSON numbers cannot carry, as strings.
        if (Number.isNaN(value)) return '"NaN"';
        if (!Number.isFinite(value)) return value > 0 ? '"Infinity"' : '"-Infinity"';
        return roundDecimal(exactDouble(value));
      }
      if (typeof value === 'bigint') return roundDecimal(scaled(value, 0));
      if (typeof value === 'string') return roundDecimal(parseDecimal(value));
      break;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP WITH LOCAL TIME ZONE':
      if (typeof value === 'number' && Number.isFinite(value)) return `"${formatTimestamp(value)}"`;
      if (value instanceof Date) return `"${formatTimestamp(value.getTime())}"`;
      if (typeof value === 'string' && TIMESTAMP_TEXT.test(value)) return `"${value}"`;
      break;
    case 'CHAR':
    case 'VARCHAR':
    case 'STRING':
      if (typeof value === 'string') return JSON.stringify(value);
      break;
    default:
      throw new WeirError('INVALID_ARGUMENT', `no canonical form for columns of type ${type}`);
  }
  throw new WeirError(
    'INVALID_ARGUMENT',
    `no canonical form for ${typeof value} ${JSON.stringify(value, jsonSafe)} in a column of type ${type}`,
  );
}

/**
 * Parses a canonical line back to values fit for {@link canonicalValue}: integers as numbers (bigints
 * beyond 2^53), decimals as their decimal text (so no digit is lost), timestamps and strings as
 * strings.
 */
export function parseCanonicalLine(line: string, columnTypes: readonly string[]): unknown[] {
  const values = JSON.parse(line, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value !== 'number') return value;
    if (context?.source === undefined) {
      throw new WeirError('INTERNAL', 'JSON.parse gives no number source text on this Node version');
    }
    return new NumberText(context.source);
  }) as unknown;
  if (!Array.isArray(values) || values.length !== columnTypes.length) {
    throw new WeirError('INVALID_ARGUMENT', `not a canonical row of ${columnTypes.length} columns: ${line}`);
  }
  return values.map((v: unknown, i) => {
    const base = baseType(columnTypes[i]);
    if (v instanceof NumberText) {
      if (!INTEGER.has(base)) return v.source;
      const n = Number(v.source);
      return Number.isSafeInteger(n) ? n : BigInt(v.source);
    }
    // NaN and the infinities are written as strings.
    if (typeof v === 'string' && NUMERIC.has(base)) return Number(v);
    return v;
  });
}

/** A JSON number kept as its source text while parsing. */
class NumberText {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
}

const INTEGER = new Set(['TINYINT', 'SMALLINT', 'INT', 'INTEGER', 'BIGINT']);
const NUMERIC = new Set([...INTEGER, 'FLOAT', 'REAL', 'DOUBLE', 'DECIMAL', 'NUMERIC']);
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

/** `DECIMAL(23, 3) NOT NULL` -> `DECIMAL`, `TIMESTAMP_LTZ(3)` -> `TIMESTAMP_LTZ`. */
function baseType(type: string): string {
  return type
    .replace(/ NOT NULL$/, '')
    .replace(/\(.*\)/, '')
    .trim()
    .toUpperCase();
}

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC. */
function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** An exact decimal: `negative`, `digits * 10^-scale`. */
interface Scaled {
  negative: boolean;
  digits: bigint;
  scale: number;
}

function scaled(value: bigint, scale: number): Scaled {
  return { negative: value < 0n, digits: value < 0n ? -value : value, scale };
}

/** The exact value of a finite double (every double is a finite binary, so a finite decimal). */
function exactDouble(value: number): Scaled {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = exponentBits === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075; // value = mantissa * 2^exponent
  if (exponent >= 0) return { negative, digits: mantissa << BigInt(exponent), scale: 0 };
  // m / 2^k = m * 5^k / 10^k
  return { negative, digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent };
}

/** A decimal text (`-12.5`, `3`, `1.5E-7`) as an exact decimal. */
function parseDecimal(text: string): Scaled {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new WeirError('INVALID_ARGUMENT', `not a decimal number: "${text}"`);
  }
  const fraction = m[3] ?? '';
  return {
    negative: m[1] === '-',
    digits: BigInt(`${m[2]}${fraction}` || '0'),
    scale: fraction.length - Number(m[4] ?? 0),
  };
}

/** Rounded half-up to 6 decimal places, trailing zeros removed, plain notation, no `-0`. */
function roundDecimal({ negative, digits, scale }: Scaled): string {
  let micros: bigint;
  if (scale <= 6) {
    micros = digits * 10n ** BigInt(6 - scale);
  } else {
    const divisor = 10n ** BigInt(scale - 6);
    const remainder = digits % divisor;
    micros = digits / divisor + (remainder * 2n >= divisor ? 1n : 0n);
  }
  if (micros === 0n) return '0';
  const text = micros.toString().padStart(7, '0');
  const integer = text.slice(0, -6);
  const fraction = text.slice(-6).replace(/0+$/, '');
  return `${negative ? '-' : ''}${integer}${fraction === '' ? '' : `.${fraction}`}`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
