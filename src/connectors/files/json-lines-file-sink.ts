import { previewRecord, WeirError } from '../../core/errors.ts';
import { LineFileSink, type LineFileSinkOptions } from './line-file-sink.ts';

/**
 * Writes each record as one line of JSON ([JSON Lines](https://jsonlines.org)). With parallelism 1
 * the output is the file `path`; with parallelism p > 1, or when `path` ends with `/`, `path` is a
 * directory and subtask i writes `part-<i>.jsonl` in it. Parent directories are created and the file
 * is truncated when the sink opens; lines are buffered and written in batches, and at finish/close.
 * A record JSON cannot represent (a BigInt, a cycle, `undefined`) fails with SINK_FAILED.
 * Not transactional: see {@link LineFileSink}.
 *
 * @example
 * ```ts
 * stream.sinkTo(new JsonLinesFileSink('out/alerts.jsonl'));           // parallelism 1: one file
 * stream.sinkTo(new JsonLinesFileSink('out/alerts/')).setParallelism(4); // out/alerts/part-0.jsonl ... part-3.jsonl
 * ```
 */
export class JsonLinesFileSink<T> extends LineFileSink<T> {
  constructor(path: string, options: LineFileSinkOptions = {}) {
    super(path, '.jsonl', (value) => toJsonLine(value, path), options);
  }
}

function toJsonLine(value: unknown, path: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new WeirError(
      'SINK_FAILED',
      `cannot write record as JSON to "${path}": ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (json === undefined) {
    throw new WeirError(
      'SINK_FAILED',
      `cannot write record as JSON to "${path}": ${previewRecord(value)} has no JSON form`,
    );
  }
  return json;
}
