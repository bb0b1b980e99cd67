import { type ConnectorOptions, registerSourceFactory } from '../../core/connector-registry.ts';
import { WeirError } from '../../core/errors.ts';
import { DEFAULT_NEXMARK_CONFIG, type NexmarkConfig } from './config.ts';
import { NexmarkSource } from './nexmark-source.ts';

/**
 * `nexmark` {events?, rate?, ...}: the Nexmark source; options are the fields of NexmarkConfig
 * (events absent: unbounded), validated as the constructor validates them.
 */
registerSourceFactory({
  identifier: 'nexmark',
  create(options: ConnectorOptions) {
    for (const key of Object.keys(options)) {
      if (!(key in DEFAULT_NEXMARK_CONFIG)) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `connector "nexmark": unknown option "${key}" (options: ${Object.keys(DEFAULT_NEXMARK_CONFIG).join(', ')})`,
        );
      }
    }
    return new NexmarkSource(options as Partial<NexmarkConfig>) as never;
  },
  describe(object) {
    if (!(object instanceof NexmarkSource)) return undefined;
    // Only what differs from the defaults; an unbounded source has no `events` (JSON has no Infinity).
    const options: ConnectorOptions = {};
    for (const [key, value] of Object.entries(object.config)) {
      if (value !== DEFAULT_NEXMARK_CONFIG[key as keyof NexmarkConfig]) options[key] = value;
    }
    return options;
  },
});
