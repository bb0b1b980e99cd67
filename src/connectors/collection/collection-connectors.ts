import {
  type ConnectorOptions,
  isPlainJson,
  numberOption,
  registerSourceFactory,
} from '../../core/connector-registry.ts';
import { WeirError } from '../../core/errors.ts';
import { CollectionSource } from './collection-source.ts';
import { NumberSequenceSource } from './sequence-source.ts';

/** Above this many elements a collection stays out of the plan (the job module carries it). */
const MAX_PLANNED_ELEMENTS = 1_000;

/**
 * `collection` {elements}: a CollectionSource of JSON values (fromElements / fromCollection).
 * Only small collections of plain JSON values are described in the plan; others stay custom.
 */
registerSourceFactory({
  identifier: 'collection',
  create(options: ConnectorOptions) {
    if (!Array.isArray(options.elements)) {
      throw new WeirError('INVALID_ARGUMENT', 'connector "collection": option "elements" must be an array');
    }
    return new CollectionSource(options.elements) as CollectionSource<unknown>;
  },
  describe(object) {
    if (!(object instanceof CollectionSource)) return undefined;
    const elements = object.elements as unknown[];
    if (elements.length > MAX_PLANNED_ELEMENTS || !isPlainJson(elements)) return undefined;
    return { elements };
  },
});

/** `sequence` {from, to}: the numbers from `from` to `to` inclusive, in parallel (fromSequence). */
registerSourceFactory({
  identifier: 'sequence',
  create: (options) =>
    new NumberSequenceSource(
      numberOption('sequence', options, 'from'),
      numberOption('sequence', options, 'to'),
    ) as never,
  describe: (object) =>
    object instanceof NumberSequenceSource ? { from: object.from, to: object.to } : undefined,
});
