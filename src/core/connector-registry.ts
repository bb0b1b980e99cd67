/**
 * Connector factories, as Flink's table factories: a source or sink whose options are plain data
 * is described in the job graph as `{ kind: 'connector', identifier, options }` and built in every
 * slot by the factory registered under that identifier, so a plan needs no job module to carry it.
 * Connectors register their factories from their index module (the package entry loads them all);
 * any other source or sink is `{ kind: 'custom' }` in the plan, and the object comes from the job
 * module. A factory also recognises its own objects (`describe`), so that the DataStream API
 * records the data form of the sources and sinks it can.
 */
import { WeirError } from './errors.ts';
import type { Sink } from './sink.ts';
import type { Source, SourceSplit } from './source.ts';

/** Options of a connector: JSON values only. */
export type ConnectorOptions = Record<string, unknown>;

/** How a plan holds a source or a sink. */
export type ConnectorSpec =
  | { kind: 'connector'; identifier: string; options: ConnectorOptions }
  | { kind: 'custom' };

export interface ConnectorFactory<O> {
  /** The name plans use: 'nexmark', 'print'... */
  readonly identifier: string;
  /** Builds the object from validated options (throws WeirError INVALID_ARGUMENT on bad ones). */
  create(options: ConnectorOptions): O;
  /** The options that build `object` again, when it is this factory's and plain data; else undefined. */
  describe?(object: unknown): ConnectorOptions | undefined;
}

export type SourceConnectorFactory = ConnectorFactory<Source<unknown, SourceSplit>>;
export type SinkConnectorFactory = ConnectorFactory<Sink<unknown>>;

const sources = new Map<string, SourceConnectorFactory>();
const sinks = new Map<string, SinkConnectorFactory>();

/** Registers a source factory; registering the same identifier again replaces it. */
export function registerSourceFactory(factory: SourceConnectorFactory): void {
  sources.set(factory.identifier, factory);
}

/** Registers a sink factory; registering the same identifier again replaces it. */
export function registerSinkFactory(factory: SinkConnectorFactory): void {
  sinks.set(factory.identifier, factory);
}

/** Identifiers of the registered source and sink factories. */
export function connectorIdentifiers(): { sources: string[]; sinks: string[] } {
  return { sources: [...sources.keys()], sinks: [...sinks.keys()] };
}

/** The plan form of a source: a connector spec when a factory recognises it, else custom. */
export function describeSource(source: unknown): ConnectorSpec {
  return describe(sources, source);
}

/** The plan form of a sink: a connector spec when a factory recognises it, else custom. */
export function describeSink(sink: unknown): ConnectorSpec {
  return describe(sinks, sink);
}

/** @throws WeirError INVALID_GRAPH when no factory is registered under the identifier. */
export function createSource(identifier: string, options: ConnectorOptions): Source<unknown, SourceSplit> {
  return find(sources, 'source', identifier).create(options);
}

/** @throws WeirError INVALID_GRAPH when no factory is registered under the identifier. */
export function createSink(identifier: string, options: ConnectorOptions): Sink<unknown> {
  return find(sinks, 'sink', identifier).create(options);
}

function describe<O>(factories: Map<string, ConnectorFactory<O>>, object: unknown): ConnectorSpec {
  for (const factory of factories.values()) {
    const options = factory.describe?.(object);
    if (options !== undefined) return { kind: 'connector', identifier: factory.identifier, options };
  }
  return { kind: 'custom' };
}

function find<O>(
  factories: Map<string, ConnectorFactory<O>>,
  what: string,
  identifier: string,
): ConnectorFactory<O> {
  const factory = factories.get(identifier);
  if (factory === undefined) {
    throw new WeirError(
      'INVALID_GRAPH',
      `no ${what} connector is registered under "${identifier}" (registered: ${[...factories.keys()].join(', ') || 'none'}); import its connector module (the package entry registers the built-in ones)`,
    );
  }
  return factory;
}

/**
 * True when `value` is plain JSON data that survives `JSON.stringify` unchanged: null, booleans,
 * finite numbers, strings, arrays and plain objects of them.
 */
export function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const v of Object.values(value)) if (!isPlainJson(v, depth + 1)) return false;
  return true;
}

/** Reads an option that must be a number (or absent, giving `fallback`). */
export function numberOption(
  identifier: string,
  options: ConnectorOptions,
  name: string,
  fallback?: number,
): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `connector "${identifier}": option "${name}" must be a finite number, got ${JSON.stringify(options[name])}`,
    );
  }
  return value;
}
