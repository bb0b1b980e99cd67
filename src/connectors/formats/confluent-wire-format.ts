/**
 * The Confluent wire format: a value written through a schema registry is a magic byte 0, the
 * schema's registry id as a 4-byte big-endian integer, then the payload (Avro binary for Avro).
 * Readers find the writer's schema by that id.
 */

export const CONFLUENT_MAGIC_BYTE = 0;

/** Magic byte plus schema id. */
export const CONFLUENT_HEADER_BYTES = 5;

/** The 5-byte header for `schemaId`. */
export function confluentHeader(schemaId: number): Buffer {
  const header = Buffer.alloc(CONFLUENT_HEADER_BYTES);
  header[0] = CONFLUENT_MAGIC_BYTE;
  header.writeInt32BE(schemaId, 1);
  return header;
}

/** The schema id in the header of `bytes`; throws when they are not in the Confluent wire format. */
export function confluentSchemaId(bytes: Buffer): number {
  // The magic byte first: a value in another format is more likely than a truncated one.
  if (bytes.length > 0 && bytes[0] !== CONFLUENT_MAGIC_BYTE) {
    throw new Error(
      `not in the Confluent wire format: the first byte is 0x${bytes[0].toString(16).padStart(2, '0')}, not the magic byte 0x00`,
    );
  }
  if (bytes.length < CONFLUENT_HEADER_BYTES) {
    throw new Error(
      `not in the Confluent wire format: ${bytes.length} bytes, fewer than the ${CONFLUENT_HEADER_BYTES}-byte header (magic byte and schema id)`,
    );
  }
  return bytes.readInt32BE(1);
}
