import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestSchemaRegistry, type TestSchemaRegistry } from '../formats/test-schema-registry.ts';
import { KafkaDeserializers } from './kafka-deserializers.ts';
import { KafkaRecordSerializers } from './kafka-record-serializer.ts';
import { KafkaSerializers } from './kafka-serializers.ts';

interface Payment {
  customer: string;
  amount: number;
}

const paymentSchema = {
  type: 'record',
  name: 'Payment',
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
  ],
};

describe('KafkaSerializers and KafkaDeserializers', () => {
  let registry: TestSchemaRegistry;
  before(async () => {
    registry = await startTestSchemaRegistry();
  });
  after(() => registry.close());

  it('round-trips strings in an encoding', () => {
    const bytes = KafkaSerializers.string('latin1')('café')!;
    assert.deepEqual([...bytes], [0x63, 0x61, 0x66, 0xe9]);
    assert.equal(KafkaDeserializers.string('latin1')(bytes), 'café');
    assert.equal(KafkaDeserializers.string()(KafkaSerializers.string()('café')), 'café');
  });

  it('passes bytes through, wrapping a Uint8Array without a copy', () => {
    const buffer = Buffer.from([1, 2, 3]);
    assert.equal(KafkaSerializers.bytes()(buffer), buffer);
    const array = new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 4);
    const wrapped = KafkaSerializers.bytes()(array)!;
    assert.deepEqual([...wrapped], [1, 2, 3]);
    array[0] = 9;
    assert.equal(wrapped[0], 9);
    assert.equal(KafkaDeserializers.bytes()(wrapped), wrapped);
  });

  it('round-trips JSON, with a replacer, and refuses values JSON cannot hold', () => {
    const payment = { customer: 'c1', amount: 12.5 };
    const bytes = KafkaSerializers.json<Payment>()(payment)!;
    assert.equal(bytes.toString(), '{"customer":"c1","amount":12.5}');
    assert.deepEqual(KafkaDeserializers.json<Payment>()(bytes), payment);
    const big = KafkaSerializers.json<{ n: bigint }>({
      replacer: (_k, v) => (typeof v === 'bigint' ? `${v}` : v),
    });
    assert.equal(big({ n: 2n ** 64n })!.toString(), '{"n":"18446744073709551616"}');
    assert.throws(() => KafkaSerializers.json<undefined>()(undefined), {
      message: 'cannot write undefined as JSON',
    });
  });

  it('checks JSON against a shape, naming the field', () => {
    const read = KafkaDeserializers.json({ customer: 'string', amount: 'number' });
    assert.deepEqual(read(Buffer.from('{"customer":"c1","amount":3}')), { customer: 'c1', amount: 3 });
    assert.throws(() => read(Buffer.from('{"customer":"c1","amount":"3"}')), {
      message: 'field "amount": expected a number, got "3"',
    });
    assert.throws(() => read(null), { message: 'the record has no value (a tombstone)' });
  });

  it('round-trips plain Avro, and reads it with an evolved reader schema', () => {
    const bytes = KafkaSerializers.avro<Payment>(paymentSchema)({ customer: 'c1', amount: 2 })!;
    assert.deepEqual(
      { ...KafkaDeserializers.avro<Payment>(paymentSchema)(bytes) },
      { customer: 'c1', amount: 2 },
    );
    const readerSchema = {
      ...paymentSchema,
      fields: [...paymentSchema.fields, { name: 'currency', type: 'string', default: 'EUR' }],
    };
    const evolved = KafkaDeserializers.avro<Payment & { currency: string }>(paymentSchema, { readerSchema });
    assert.deepEqual({ ...evolved(bytes) }, { customer: 'c1', amount: 2, currency: 'EUR' });
    assert.throws(() => KafkaSerializers.avro<Payment>(paymentSchema)({ customer: 'c1' } as Payment), {
      message:
        'cannot encode the value as Avro "Payment": field "amount": expected "double", got nothing (missing)',
    });
  });

  it('round-trips Confluent Avro: open registers, prepare fetches, both through the record serializer', async () => {
    const value = KafkaSerializers.confluentAvro<Payment>({
      registryUrl: registry.url,
      subject: 'payments-value',
      schema: paymentSchema,
    });
    const serializer = KafkaRecordSerializers.builder<Payment>()
      .setTopic('payments')
      .setValueSerializer(value)
      .build();
    await serializer.open?.();
    const record = serializer.serialize({ customer: 'c1', amount: 7 }, undefined);
    assert.equal(record.value![0], 0);
    const deserialize = KafkaDeserializers.confluentAvro<Payment>({ registryUrl: registry.url });
    assert.notEqual(deserialize.prepare, undefined);
    await deserialize.prepare?.([record.value]);
    assert.deepEqual({ ...deserialize(record.value) }, { customer: 'c1', amount: 7 });
    assert.throws(() => deserialize(Buffer.from('{}')), /not the magic byte 0x00/);
  });
});
