// A user's job, as it would sit in their own project: it imports the installed package by name.
import { type KeyedStream, StreamExecutionEnvironment } from 'weir';

/** True only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

interface Word {
  a: number;
  b: string;
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const words: Word[] = [
  { a: 1, b: 'x' },
  { a: 2, b: 'yy' },
  { a: 3, b: 'zz' },
];
const byLength = env
  .fromCollection(words)
  .map((r) => r.b)
  .keyBy((s) => s.length);
const inferred: Equal<typeof byLength, KeyedStream<string, number>> = true;
void inferred;
// @ts-expect-error: the records are strings, which have no toFixed
byLength.map((s) => s.toFixed(2));

byLength.map((s) => `${s}:${s.length}`).print();
await env.execute('package-job-ts');
