/**
 * Type tests of the formats: checked by `npm run typecheck` (tsc), never run. Each line fails to
 * compile if the inference it names regresses.
 */
import {
  type JsonShapeType,
  jsonShapeParser,
  KafkaDeserializers,
  KafkaRecordSerializers,
  KafkaSerializers,
  KafkaSource,
  type KafkaValueDeserializer,
  type KafkaValueSerializer,
} from 'weir';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

// A JSON shape gives the element type, with no annotation and no `as const`.
const payments = KafkaDeserializers.json({ customer: 'string', amount: 'number', ts: 'number' });
expectType<Equal<typeof payments, KafkaValueDeserializer<{ customer: string; amount: number; ts: number }>>>(
  true,
);

// Optional fields ('?'), nested shapes and arrays.
const orders = KafkaDeserializers.json({
  id: 'string',
  note: 'string?',
  paid: 'boolean',
  lines: [{ sku: 'string', qty: 'number' }],
  tags: ['string'],
  address: { city: 'string', zip: 'number?' },
});
type Order = {
  id: string;
  paid: boolean;
  lines: { sku: string; qty: number }[];
  tags: string[];
  address: { city: string; zip?: number | null };
  note?: string | null;
};
expectType<Equal<typeof orders, KafkaValueDeserializer<Order>>>(true);

// The inferred type flows into the source.
const source = KafkaSource.builder<Order>().setValueOnlyDeserializer(orders).build();
expectType<Equal<typeof source, KafkaSource<Order>>>(true);

const parse = jsonShapeParser({ user: 'string', n: 'number' });
expectType<Equal<ReturnType<typeof parse>, { user: string; n: number }>>(true);
expectType<Equal<JsonShapeType<{ readonly a: readonly ['boolean'] }>, { a: boolean[] }>>(true);

// @ts-expect-error: 'strin' is not a field type.
KafkaDeserializers.json({ customer: 'strin' });

// A parse function's return type is the element type (a zod schema's `parse` fits here).
const parsed = KafkaDeserializers.json((raw) => String(raw));
expectType<Equal<typeof parsed, KafkaValueDeserializer<string>>>(true);
const untyped = KafkaDeserializers.json();
expectType<Equal<typeof untyped, KafkaValueDeserializer<unknown>>>(true);

const avro = KafkaDeserializers.avro<{ id: number }>({ type: 'record', name: 'R', fields: [] });
expectType<Equal<typeof avro, KafkaValueDeserializer<{ id: number }>>>(true);

// Serializers plug into the record serializer builder of the same element type.
interface Spend {
  customer: string;
  total: number;
}
const json = KafkaSerializers.json<Spend>();
expectType<Equal<typeof json, KafkaValueSerializer<Spend>>>(true);
KafkaRecordSerializers.builder<Spend>().setTopic('spend').setValueSerializer(json).build();
KafkaRecordSerializers.builder<Buffer>().setTopic('raw').setValueSerializer(KafkaSerializers.bytes()).build();
KafkaRecordSerializers.builder<Spend>()
  .setTopic('spend')
  .setValueSerializer(
    KafkaSerializers.confluentAvro<Spend>({ registryUrl: 'http://x', subject: 's', schema: 'string' }),
  )
  .build();

// @ts-expect-error: a string serializer does not take Spend elements.
KafkaRecordSerializers.builder<Spend>().setTopic('spend').setValueSerializer(KafkaSerializers.string());

// A shape declared on its own (as const) names the element type for the source builder.
const paymentShape = { customer: 'string', amount: 'number', ts: 'number' } as const;
type Payment = JsonShapeType<typeof paymentShape>;
expectType<Equal<Payment, { customer: string; amount: number; ts: number }>>(true);
KafkaSource.builder<Payment>().setValueOnlyDeserializer(KafkaDeserializers.json(paymentShape));
