/**
 * JSON_EXISTS, JSON_QUERY, JSON_STRING, JSON_ARRAY, JSON_OBJECT and IS JSON with Flink's defaults: paths in lax mode
 * (`$`, `.name`, `['name']`, `[index]`, `[*]`, `.*`), FALSE ON ERROR for JSON_EXISTS, NULL ON EMPTY
 * and NULL ON ERROR without a wrapper for JSON_QUERY (a scalar is not returned); ABSENT ON NULL for
 * JSON_ARRAY and NULL ON NULL for JSON_OBJECT unless the call says otherwise; their arguments made by
 * JSON_ARRAY or JSON_OBJECT are inserted as JSON, not as strings. JSON
 * text comes out compact, as Flink's Jackson writes it (`{"b":1}`).
 *
 * @example
 * jsonQuery('{"a":[{"c":"c1"},{"c":"c2"}]}', 'lax $.a[*].c'); // '["c1","c2"]'
 * jsonExists('{"a": true}', '$.b'); // false
 */
import { WeirError } from '../../../core/errors.ts';
import { formatDecimal } from '../../../core/sql-number-format.ts';
import type { SqlType } from '../../../core/sql-type.ts';
import { mapEntries, toStringFn } from '../../../core/sql-value-format.ts';
import { compileJsonPath, JSON_WILDCARD, type JsonPath, PatternCache } from './sql-functions.ts';

const pathCache = new PatternCache(compileJsonPath);

/** What a path selects: its matches, `'error'` (strict mode: a member or element is missing). */
type Selection = unknown[] | 'error';

/** The values at a path: one for a plain path, every match for a path with wildcards. */
function select(v: unknown, steps: JsonPath, from: number, out: unknown[]): boolean {
  for (let i = from; i < steps.length; i++) {
    const step = steps[i];
    if (v === null || typeof v !== 'object') return !steps.strict;
    if (step === JSON_WILDCARD) {
      for (const x of Array.isArray(v) ? v : Object.values(v))
        if (!select(x, steps, i + 1, out)) return false;
      return true;
    }
    // Lax mode: a name on an array applies to each element.
    if (Array.isArray(v) && typeof step === 'string' && !steps.strict) {
      for (const x of v) select(x, steps, i, out);
      return true;
    }
    v = (v as Record<string | number, unknown>)[step];
    if (v === undefined) return !steps.strict;
  }
  out.push(v);
  return true;
}

/** The matches of `path` in the JSON text; null when the text is not JSON. */
function evaluate(json: string, path: JsonPath | string): { found: Selection; many: boolean } | null {
  const steps = typeof path === 'string' ? pathCache.get(path) : path;
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch {
    return null;
  }
  const found: unknown[] = [];
  return { found: select(root, steps, 0, found) ? found : 'error', many: steps.includes(JSON_WILDCARD) };
}

function jsonError(fn: string, why: string): never {
  throw new WeirError('INVALID_ARGUMENT', `${fn}: ${why}`);
}

/** JSON_EXISTS(json, path): whether the path selects a value; FALSE for text that is not JSON. */
export function jsonExists(json: string, path: JsonPath | string): boolean {
  const r = evaluate(json, path);
  return r !== null && r.found !== 'error' && r.found.length > 0;
}

/**
 * JSON_EXISTS(json, path {TRUE | FALSE | UNKNOWN | ERROR} ON ERROR): text that is not JSON, and a
 * strict path that misses, give the ON ERROR answer.
 */
export function jsonExistsOnError(json: string, path: JsonPath | string, onError: string): boolean | null {
  const r = evaluate(json, path);
  if (r !== null && r.found !== 'error') return r.found.length > 0;
  if (onError === 'ERROR')
    jsonError('JSON_EXISTS', r === null ? 'the text is not JSON' : 'the path selects nothing');
  return onError === 'TRUE' ? true : onError === 'FALSE' ? false : null;
}

/**
 * JSON_VALUE with its behaviours: ON EMPTY (the path selects nothing in lax mode, or JSON null)
 * and ON ERROR (text that is not JSON, a strict path that misses, a value that is not a scalar)
 * give NULL, fail, or (`DEFAULT`) the default given.
 */
export function jsonValueWith(
  json: string,
  path: JsonPath | string,
  onEmpty: string,
  emptyDefault: string | null,
  onError: string,
  errorDefault: string | null,
): string | null {
  const r = evaluate(json, path);
  let why: string | null = null;
  if (r === null) why = 'the text is not JSON';
  else if (r.found === 'error') why = 'the path selects nothing (strict mode)';
  else if (r.many && r.found.length > 1) why = 'the path selects more than one value';
  else {
    const v = r.found.length === 0 ? null : r.found[0];
    if (v === null) {
      if (onEmpty === 'ERROR') jsonError('JSON_VALUE', 'the path selects nothing');
      return onEmpty === 'DEFAULT' ? emptyDefault : null;
    }
    if (typeof v !== 'object') return String(v);
    why = 'the value at the path is not a scalar';
  }
  if (onError === 'ERROR') jsonError('JSON_VALUE', why);
  return onError === 'DEFAULT' ? errorDefault : null;
}

/**
 * JSON_QUERY(json, path): the object or array at the path as JSON text (the matches of a wildcard
 * path as an array); NULL for a scalar, a path that selects nothing, or text that is not JSON.
 */
export function jsonQuery(json: string, path: JsonPath | string): string | null {
  const r = evaluate(json, path);
  if (r === null || r.found === 'error' || r.found.length === 0) return null;
  const v = r.many ? r.found : r.found[0];
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : null;
}

/** An ON EMPTY or ON ERROR behaviour of JSON_QUERY. */
function queryBehaviour(mode: string, why: string): string | null {
  if (mode === 'ERROR') jsonError('JSON_QUERY', why);
  return mode === 'EMPTY ARRAY' ? '[]' : mode === 'EMPTY OBJECT' ? '{}' : null;
}

/**
 * JSON_QUERY with its clauses: `wrapper` WITHOUT (a scalar is an error), CONDITIONAL (a value that
 * is not an array is wrapped in one) or UNCONDITIONAL (every value is); ON EMPTY and ON ERROR
 * give NULL, fail, or an empty array or object; `returning` 'ARRAY' gives ARRAY<STRING> of the
 * array's elements (strings as they are, other values as JSON).
 */
export function jsonQueryWith(
  json: unknown,
  path: JsonPath | string,
  wrapper: string,
  onEmpty: string,
  onError: string,
  returning: string,
): string | string[] | null {
  const r = evaluate(typeof json === 'string' ? json : String(json), path);
  let text: string | null;
  if (r === null) text = queryBehaviour(onError, 'the text is not JSON');
  else if (r.found === 'error') text = queryBehaviour(onError, 'the path selects nothing (strict mode)');
  else if (r.found.length === 0) text = queryBehaviour(onEmpty, 'the path selects nothing');
  else {
    const v = r.many ? r.found : r.found[0];
    const structured = v !== null && typeof v === 'object';
    if (wrapper === 'UNCONDITIONAL' || (wrapper === 'CONDITIONAL' && !Array.isArray(v)))
      text = JSON.stringify([v]);
    else if (structured) text = JSON.stringify(v);
    else text = queryBehaviour(onError, 'the value at the path is a scalar (use a WRAPPER)');
  }
  if (returning !== 'ARRAY' || text === null) return text;
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) return null;
  return parsed.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

/** A value of `type` as a JSON value (numbers as numbers, strings as strings, ROW as an object). */
export type JsonEncoder = (v: unknown) => unknown;

/** How values of `type` become JSON values, built once per expression. */
export function jsonEncoder(type: SqlType): JsonEncoder {
  switch (type.kind) {
    case 'BOOLEAN':
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'CHAR':
    case 'VARCHAR':
      return (v) => v;
    case 'DECIMAL': {
      const scale = type.scale;
      // A JSON number with the decimal's digits, as Jackson writes a BigDecimal.
      return (v) => new RawJson(formatDecimal(v as number, scale));
    }
    case 'ARRAY':
    case 'MULTISET': {
      const el = jsonEncoder(type.element);
      return (v) => (v as unknown[]).map((x) => (x == null ? null : el(x)));
    }
    case 'MAP': {
      const val = jsonEncoder(type.value);
      return (v) => {
        const o: Record<string, unknown> = {};
        for (const [k, x] of mapEntries(v)) o[String(k)] = x == null ? null : val(x);
        return o;
      };
    }
    case 'ROW': {
      const fields = type.fields.map((f) => ({ name: f.name, enc: jsonEncoder(f.type) }));
      return (v) => {
        const o: Record<string, unknown> = {};
        const values = v as unknown[];
        for (let i = 0; i < fields.length; i++)
          o[fields[i].name] = values[i] == null ? null : fields[i].enc(values[i]);
        return o;
      };
    }
    default: {
      const show = toStringFn(type) ?? String;
      return (v) => show(v);
    }
  }
}

/** JSON text to put into a document as it is (a nested JSON_ARRAY, a decimal's digits). */
class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

function stringify(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) return `[${v.map(stringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) parts.push(`${JSON.stringify(k)}:${stringify(x)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}

/** JSON_STRING(value): the value as JSON text. */
export function jsonString(v: unknown, encode: JsonEncoder): string {
  return stringify(encode(v));
}

/**
 * JSON_ARRAY(v1, v2, ...): a JSON array of the values; NULLs left out (`ABSENT ON NULL`, the
 * default) or written as `null`. A value whose `raw` flag is set is JSON text already (made by
 * JSON_ARRAY or JSON_OBJECT) and goes in as JSON.
 */
export function jsonArray(
  values: unknown[],
  encoders: JsonEncoder[],
  raw: boolean[],
  absent: boolean,
): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v == null) {
      if (!absent) parts.push('null');
      continue;
    }
    parts.push(raw[i] ? (v as string) : stringify(encoders[i](v)));
  }
  return `[${parts.join(',')}]`;
}

/**
 * JSON_OBJECT(KEY k1 VALUE v1, ...): keys and values alternate in `kv`; a NULL value is written as
 * `null` (`NULL ON NULL`, the default) or left out (`ABSENT ON NULL`).
 */
export function jsonObject(kv: unknown[], encoders: JsonEncoder[], raw: boolean[], absent: boolean): string {
  const parts: string[] = [];
  for (let i = 0; i + 1 < kv.length; i += 2) {
    const v = kv[i + 1];
    if (v == null && absent) continue;
    const value = v == null ? 'null' : raw[i + 1] ? (v as string) : stringify(encoders[i + 1](v));
    parts.push(`${JSON.stringify(kv[i])}:${value}`);
  }
  return `{${parts.join(',')}}`;
}

/** `s IS JSON [VALUE | SCALAR | ARRAY | OBJECT]`: whether `s` is JSON of that kind; FALSE for NULL. */
export function isJson(s: string | null, kind: string): boolean {
  if (s == null) return false;
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    return false;
  }
  switch (kind) {
    case 'SCALAR':
      return v === null || typeof v !== 'object';
    case 'ARRAY':
      return Array.isArray(v);
    case 'OBJECT':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return true;
  }
}
