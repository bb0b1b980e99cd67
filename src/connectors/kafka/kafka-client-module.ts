import { createRequire } from 'node:module';

type KafkaClientModule = typeof import('@platformatic/kafka');

let loaded: KafkaClientModule | undefined;

/**
 * The Kafka client library, loaded when a job first talks to a broker. Importing `weir` does not
 * load it: it is the largest module the package depends on, and most jobs (and `weir --version`)
 * never use Kafka, so loading it eagerly made every start slower (see bench/README.md, start-up).
 */
export function kafkaClientModule(): KafkaClientModule {
  loaded ??= createRequire(import.meta.url)('@platformatic/kafka') as KafkaClientModule;
  return loaded;
}
