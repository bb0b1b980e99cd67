// A job module with code after execute(): `weir plan` must stop before it.
import { StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromElements(1, 2, 3).print();
await env.execute('after-execute');
console.log('after execute');
