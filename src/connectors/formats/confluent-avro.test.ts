/**
 * ConfluentAvroEncoder and ConfluentAvroDecoder against an in-test registry (a Confluent registry
 * is a third-party JVM service we cannot run here; see test-schema-registry.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { avroType, encodeAvro } from './avro-format.ts';
import { ConfluentAvroDecoder } from './confluent-avro-decoder.ts';
import { ConfluentAvroEncoder } from './confluent-avro-encoder.ts';
import { confluentHeader } from './confluent-wire-format.ts';
import { startTestSchemaRegistry, type TestSchemaRegistry } from './test-schema-registry.ts';

interface Payment {
  customer: string;
  amount: number;
}

const paymentV1 = {
  type: 'record',
  name: 'Payment',
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
  ],
};
const paymentV2 = {
  ...paymentV1,
  fields: [...paymentV1.fields, { name: 'currency', type: 'string', default: 'EUR' }],
};

describe('Confluent Avro', () => {
  let registry: TestSchemaRegistry;
  before(async () => {
    registry = await startTestSchemaRegistry();
  });
  after(() => registry.close());

  it('registers the schema on open and frames values with its id', async () => {
    const encoder = new ConfluentAvroEncoder<Payment>({
      registryUrl: registry.url,
      subject: 'pay-value',
      schema: paymentV1,
    });
    assert.throws(() => encoder.encode({ customer: 'c', amount: 1 }), {
      message:
        'the schema id of subject "pay-value" is not known yet: open() must complete before the first value',
    });
    await encoder.open();
    const id = encoder.schemaId!;
    assert.deepEqual(registry.subjects.get('pay-value'), [id]);
    const bytes = encoder.encode({ customer: 'c', amount: 1 });
    assert.deepEqual(
      bytes,
      Buffer.concat([confluentHeader(id), avroType(paymentV1).toBuffer({ customer: 'c', amount: 1 })]),
    );
  });

  it('decodes after prepare fetched the writer schemas, once per id', async () => {
    const v1 = registry.register('dec-value', paymentV1);
    const v2 = registry.register('dec-value', paymentV2);
    const values = [
      Buffer.concat([confluentHeader(v1), avroType(paymentV1).toBuffer({ customer: 'a', amount: 1 })]),
      Buffer.concat([
        confluentHeader(v2),
        avroType(paymentV2).toBuffer({ customer: 'b', amount: 2, currency: 'USD' }),
      ]),
      null,
      Buffer.from('not framed'),
    ];
    const decoder = new ConfluentAvroDecoder<object>({ registryUrl: registry.url });
    assert.throws(() => decoder.decode(values[0]!), {
      message: `schema id ${v1} has not been fetched from the schema registry at ${registry.url}: prepare() must see the value before decode()`,
    });
    await decoder.prepare(values);
    assert.equal(decoder.prepare(values), undefined, 'nothing left to fetch');
    assert.deepEqual({ ...decoder.decode(values[0]!) }, { customer: 'a', amount: 1 });
    assert.deepEqual({ ...decoder.decode(values[1]!) }, { customer: 'b', amount: 2, currency: 'USD' });
    assert.throws(() => decoder.decode(values[3]!), /first byte is 0x6e, not the magic byte/);
    const fetched = registry.requests.filter(
      (r) => r === `GET /schemas/ids/${v1}` || r === `GET /schemas/ids/${v2}`,
    );
    assert.equal(fetched.length, 2);
  });

  it('resolves every writer schema into the reader schema (schema evolution)', async () => {
    const v1 = registry.register('evo-value', paymentV1);
    const value = Buffer.concat([
      confluentHeader(v1),
      encodeAvro(avroType(paymentV1), { customer: 'a', amount: 5 }),
    ]);
    const decoder = new ConfluentAvroDecoder<Payment & { currency: string }>({
      registryUrl: registry.url,
      readerSchema: paymentV2,
    });
    await decoder.prepare([value]);
    assert.deepEqual({ ...decoder.decode(value) }, { customer: 'a', amount: 5, currency: 'EUR' });
  });

  it('fails the record whose schema id the registry does not know, or that the reader cannot read', async () => {
    const unknown = Buffer.concat([confluentHeader(4242), Buffer.from([0])]);
    const other = registry.register('other-value', {
      type: 'record',
      name: 'Payment',
      fields: [{ name: 'x', type: 'int' }],
    });
    const incompatible = Buffer.concat([confluentHeader(other), Buffer.from([2])]);
    const decoder = new ConfluentAvroDecoder<Payment>({ registryUrl: registry.url, readerSchema: paymentV1 });
    await decoder.prepare([unknown, incompatible]);
    assert.throws(() => decoder.decode(unknown), {
      message: `unknown schema id 4242: the schema registry at ${registry.url} answered 404 to GET /schemas/ids/4242: Schema 4242 not found (error code 40403)`,
    });
    assert.throws(() => decoder.decode(incompatible), {
      message: `cannot read values with schema id ${other}: the reader schema "Payment" cannot read data written with "Payment": no matching field for default-less Payment.customer`,
    });
  });

  it('rejects prepare when the registry cannot be reached', async () => {
    const closed = await startTestSchemaRegistry();
    await closed.close();
    const decoder = new ConfluentAvroDecoder<Payment>({ registryUrl: closed.url });
    await assert.rejects(decoder.prepare([Buffer.concat([confluentHeader(1), Buffer.from([0])])])!, {
      message: new RegExp(
        `^cannot fetch the Avro schema with id 1: the schema registry at ${closed.url} is unreachable \\(GET /schemas/ids/1: ECONNREFUSED`,
      ),
    });
  });

  it('fails open when the schema cannot be registered', async () => {
    const closed = await startTestSchemaRegistry();
    await closed.close();
    const encoder = new ConfluentAvroEncoder<Payment>({
      registryUrl: closed.url,
      subject: 's',
      schema: paymentV1,
    });
    await assert.rejects(encoder.open(), {
      message: new RegExp(
        `^cannot register the Avro schema under subject "s": the schema registry at ${closed.url} is unreachable`,
      ),
    });
  });
});
