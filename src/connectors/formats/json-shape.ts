import { previewRecord, WeirError } from '../../core/errors.ts';

/**
 * A declarative shape for JSON records: field names mapped to `'string'`, `'number'` or `'boolean'`
 * (with a `?` suffix when the field may be missing or null), a nested shape, or `[type]` for an
 * array. The record's TypeScript type is inferred from the shape, and parsed values are checked
 * against it, with errors naming the field. Fields the shape does not name are kept, unchecked.
 *
 * The shape is compiled once into a tree; checking a value walks it without allocating, and paths
 * are only built to describe a failure.
 */

export type JsonScalarType = 'string' | 'number' | 'boolean';

/** A field's type in a {@link JsonShape}. */
export type JsonFieldType = JsonScalarType | `${JsonScalarType}?` | JsonShape | readonly [JsonFieldType];

export interface JsonShape {
  readonly [field: string]: JsonFieldType;
}

/** The record type a shape describes: `{ customer: 'string', note: 'string?' }` → `{ customer: string; note?: string | null }`. */
export type JsonShapeType<S extends JsonShape> = Simplify<
  { -readonly [K in keyof S as S[K] extends `${string}?` ? never : K]: JsonFieldValue<S[K]> } & {
    -readonly [K in keyof S as S[K] extends `${string}?` ? K : never]?: JsonFieldValue<S[K]> | null;
  }
>;

type JsonFieldValue<F> = F extends 'string' | 'string?'
  ? string
  : F extends 'number' | 'number?'
    ? number
    : F extends 'boolean' | 'boolean?'
      ? boolean
      : F extends readonly [infer E]
        ? JsonFieldValue<E>[]
        : F extends JsonShape
          ? JsonShapeType<F>
          : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type Node =
  | { readonly kind: JsonScalarType; readonly optional: boolean }
  | { readonly kind: 'object'; readonly names: readonly string[]; readonly fields: readonly Node[] }
  | { readonly kind: 'array'; readonly items: Node };

/**
 * A parse function checking raw JSON values against `shape`; it returns the value itself, typed.
 * INVALID_ARGUMENT when the shape names an unknown type.
 *
 * @example
 * ```ts
 * const parse = jsonShapeParser({ customer: 'string', amount: 'number', tags: ['string'] });
 * parse(JSON.parse(text)); // { customer: string; amount: number; tags: string[] }
 * parse({ customer: 'c1', amount: '12' }); // throws: field "amount": expected a number, got "12"
 * ```
 */
export function jsonShapeParser<const S extends JsonShape>(shape: S): (raw: unknown) => JsonShapeType<S> {
  const root = compile(shape, '');
  return (raw) => {
    if (!matches(root, raw)) throw new Error(describeMismatch(root, raw, '') ?? 'does not match the shape');
    return raw as JsonShapeType<S>;
  };
}

function compile(type: JsonFieldType, path: string): Node {
  if (typeof type === 'string') {
    const optional = type.endsWith('?');
    const kind = optional ? type.slice(0, -1) : type;
    if (kind === 'string' || kind === 'number' || kind === 'boolean') return { kind, optional };
  } else if (Array.isArray(type)) {
    if (type.length === 1) return { kind: 'array', items: compile(type[0], `${path}[]`) };
  } else if (typeof type === 'object' && type !== null) {
    const names = Object.keys(type);
    const shape = type as JsonShape;
    return {
      kind: 'object',
      names,
      fields: names.map((name) => compile(shape[name], path === '' ? name : `${path}.${name}`)),
    };
  }
  throw new WeirError(
    'INVALID_ARGUMENT',
    `JSON shape${path === '' ? '' : ` field "${path}"`}: unknown type ${previewRecord(type, 60)}; use 'string', 'number' or 'boolean' (with '?' when optional), a nested shape or [type] for an array`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matches(node: Node, value: unknown): boolean {
  switch (node.kind) {
    case 'object': {
      if (!isObject(value)) return false;
      const { names, fields } = node;
      for (let i = 0; i < names.length; i++) if (!matches(fields[i], value[names[i]])) return false;
      return true;
    }
    case 'array': {
      if (!Array.isArray(value)) return false;
      for (let i = 0; i < value.length; i++) if (!matches(node.items, value[i])) return false;
      return true;
    }
    default:
      return typeof value === node.kind || (node.optional && (value === undefined || value === null));
  }
}

/** The first mismatch, as `field "a.b[2]": expected ..., got ...`; undefined when `value` matches. */
function describeMismatch(node: Node, value: unknown, path: string): string | undefined {
  if (matches(node, value)) return undefined;
  const where = path === '' ? 'the value' : `field "${path}"`;
  const got = value === undefined ? 'nothing (the field is missing)' : previewRecord(value, 60);
  switch (node.kind) {
    case 'object': {
      if (!isObject(value)) return `${where}: expected a JSON object, got ${got}`;
      for (let i = 0; i < node.names.length; i++) {
        const name = node.names[i];
        const problem = describeMismatch(node.fields[i], value[name], path === '' ? name : `${path}.${name}`);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(value)) return `${where}: expected an array, got ${got}`;
      for (let i = 0; i < value.length; i++) {
        const problem = describeMismatch(node.items, value[i], `${path}[${i}]`);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return `${where}: expected ${node.kind === 'string' ? 'a string' : `a ${node.kind}`}${node.optional ? ' or null' : ''}, got ${got}`;
  }
}
