/**
 * The dashboard test's failing job: every attempt fails on the record with sequence number 20, as a
 * parse error a user function throws, and the restart strategy keeps restarting it (a second apart),
 * so the job stays RESTARTING/RUNNING with a growing exception history to look at.
 */
import {
  DataGeneratorSource,
  RestartStrategies,
  StreamExecutionEnvironment,
  seconds,
  WatermarkStrategy,
} from 'weir';

interface Payment {
  seq: number;
  amount: string;
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1_000, seconds(1)));
env
  .fromSource(
    new DataGeneratorSource<Payment>(
      (i) => ({ seq: i, amount: i === 20 ? 'twelve' : String(i * 10) }),
      Number.POSITIVE_INFINITY,
      {
        rateLimit: 50,
      },
    ),
    WatermarkStrategy.noWatermarks(),
    'payments',
  )
  .uid('payments')
  .map((p) => {
    const amount = Number(p.amount);
    if (Number.isNaN(amount)) throw new Error(`amount ${JSON.stringify(p.amount)} is not a number`);
    return { seq: p.seq, amount };
  })
  .name('parse amount')
  .uid('parse')
  .print('payment');

await env.execute('failing payments');
