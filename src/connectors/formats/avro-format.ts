import { createRequire } from 'node:module';
import type avro from 'avsc';
import { previewRecord, WeirError } from '../../core/errors.ts';
import { escapeMessage } from '../../core/input-excerpt.ts';

/**
 * Avro binary encoding with avsc, with errors that name the field. Encoding writes into one scratch
 * buffer per thread, then copies the bytes (after an optional prefix such as the Confluent header)
 * into a new Buffer of the exact size: one allocation per value, whatever the prefix.
 */

/** An avsc `Type`. */
export type AvroType = avro.Type;

/**
 * An Avro schema: its JSON form (an object such as `{ type: 'record', name, fields }`, an array for a
 * union, a type name such as `'string'`, or the JSON as text, e.g. an `.avsc` file's content) or an
 * avsc `Type` built beforehand. Loosely typed on purpose, so a schema written as a plain object
 * literal needs no `as const`; it is checked when the serializer or deserializer is built.
 */
export type AvroSchema = AvroType | string | object;

/** avsc's schema resolution between a writer and a reader type. */
export type AvroResolver = ReturnType<AvroType['createResolver']>;

/** The avsc type of `schema` (itself if it already is one); INVALID_ARGUMENT when it is not valid Avro. */
export function avroType(schema: AvroSchema): AvroType {
  const { Type } = avsc();
  if (Type.isType(schema)) return schema as AvroType;
  try {
    const json = typeof schema === 'string' && /^\s*[[{"]/.test(schema) ? JSON.parse(schema) : schema;
    return Type.forSchema(json as Parameters<typeof Type.forSchema>[0]);
  } catch (error) {
    throw new WeirError('INVALID_ARGUMENT', `invalid Avro schema: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * How `reader` reads what `writer` wrote (schema evolution: added fields with defaults, promoted
 * numbers, aliases). Throws when the two are incompatible, naming the field.
 */
export function avroResolver(reader: AvroType, writer: AvroType): AvroResolver {
  try {
    return reader.createResolver(writer);
  } catch (error) {
    throw new Error(
      `the reader schema ${typeLabel(reader)} cannot read data written with ${typeLabel(writer)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** avsc, loaded when the first Avro schema is built: jobs without Avro do not pay for it at start-up. */
let avscModule: typeof avro | undefined;
function avsc(): typeof avro {
  avscModule ??= createRequire(import.meta.url)('avsc') as typeof avro;
  return avscModule;
}

let scratch = Buffer.allocUnsafe(0);

/** `prefix` (if any) followed by the Avro binary encoding of `value`, in a new Buffer. */
export function encodeAvro(type: AvroType, value: unknown, prefix?: Buffer): Buffer {
  const start = prefix === undefined ? 0 : prefix.length;
  let end: number;
  try {
    end = type.encode(value, scratch, start);
    if (end < 0) {
      // avsc reports how many bytes were missing; grow once and encode again.
      scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end, 16 * 1024));
      end = type.encode(value, scratch, start);
    }
  } catch (error) {
    throw new Error(`cannot encode the value as Avro ${typeLabel(type)}: ${invalidFields(type, value)}`, {
      cause: error,
    });
  }
  const out = Buffer.allocUnsafe(end);
  if (prefix !== undefined) prefix.copy(out, 0);
  scratch.copy(out, start, start, end);
  return out;
}

/**
 * The value encoded in `bytes` from `start` to the end, read with `type` (through `resolver` when the
 * data was written with another schema). Throws when the bytes are cut short or longer than one value.
 */
export function decodeAvro<T>(type: AvroType, bytes: Buffer, start: number, resolver?: AvroResolver): T {
  let result: { value: unknown; offset: number };
  try {
    result = type.decode(bytes, start, resolver);
  } catch (error) {
    throw new Error(`cannot decode Avro ${typeLabel(type)}: ${escapeMessage((error as Error).message)}`, {
      cause: error,
    });
  }
  if (result.offset < 0) {
    throw new Error(
      `cannot decode Avro ${typeLabel(type)}: the ${bytes.length - start} bytes end before the value does (written with another schema?)`,
    );
  }
  if (result.offset !== bytes.length) {
    throw new Error(
      `cannot decode Avro ${typeLabel(type)}: ${bytes.length - result.offset} bytes left after the value (written with another schema?)`,
    );
  }
  return result.value as T;
}

/** `"Payment"` for a named type, else the schema's JSON, shortened. */
function typeLabel(type: AvroType): string {
  return type.name !== undefined ? JSON.stringify(type.name) : previewRecord(type.schema(), 80);
}

/** Every field of `value` that `type` rejects, with the expected type and what was there. */
function invalidFields(type: AvroType, value: unknown): string {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path, found, expected) => {
      const where = path.length === 0 ? 'the value' : `field "${path.join('.')}"`;
      const got = found === undefined ? 'nothing (missing)' : previewRecord(found, 60);
      problems.push(`${where}: expected ${typeLabel(expected)}, got ${got}`);
    },
  });
  return problems.length > 0 ? problems.join('; ') : 'not a valid value of the schema';
}
