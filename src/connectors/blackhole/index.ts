import type { Row } from '../../core/row.ts';
import { registerTableSinkFactory } from '../../core/table-connectors.ts';

/**
 * The `blackhole` table connector: every row written is dropped (Flink's, for benchmarks and for
 * queries run for their side effects). It takes no options besides `connector`.
 */
registerTableSinkFactory({
  identifier: 'blackhole',
  createSink: () => ({ invoke(_row: Row): void {} }),
});
