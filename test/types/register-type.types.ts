/**
 * Type tests of `env.registerType(Class, codec, name?)`: the codec is typed by the class, so it encodes
 * and decodes instances of that class. Checked by `npm run typecheck` (tsc), never run.
 */
import { type Codec, StreamExecutionEnvironment } from 'weir';

class Money {
  cents: bigint;
  currency: string;
  constructor(cents: bigint, currency: string) {
    this.cents = cents;
    this.currency = currency;
  }
}
class Point {
  x = 0;
}

const env = StreamExecutionEnvironment.createLocalEnvironment();
const moneyCodec: Codec<Money> = {
  encode: (m) => new TextEncoder().encode(`${m.cents} ${m.currency}`),
  decode: (bytes) => {
    const [cents, currency] = new TextDecoder().decode(bytes).split(' ');
    return new Money(BigInt(cents), currency);
  },
};

// The codec's parameter types come from the class; it chains like the other settings.
env
  .registerType(Money, moneyCodec)
  .registerType(
    Point,
    { encode: (p) => new Uint8Array([p.x]), decode: (b) => Object.assign(new Point(), { x: b[0] }) },
    'Point',
  );

// @ts-expect-error: a codec of another type.
env.registerType(Point, moneyCodec);
// @ts-expect-error: decode must return an instance of the class.
env.registerType(Money, { encode: () => new Uint8Array(0), decode: () => ({ x: 1 }) });
// @ts-expect-error: a class, not an instance.
env.registerType(new Point(), { encode: () => new Uint8Array(0), decode: () => new Point() });
// @ts-expect-error: the name is a string.
env.registerType(Point, { encode: () => new Uint8Array(0), decode: () => new Point() }, 1);
