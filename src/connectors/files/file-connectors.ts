import { registerSinkFactory, registerSourceFactory } from '../../core/connector-registry.ts';
import { WeirError } from '../../core/errors.ts';
import { JsonLinesFileSink } from './json-lines-file-sink.ts';
import { TextLineSource } from './text-line-source.ts';

function pathOption(identifier: string, options: Record<string, unknown>): string {
  if (typeof options.path !== 'string' || options.path === '') {
    throw new WeirError('INVALID_ARGUMENT', `connector "${identifier}": option "path" must be a path`);
  }
  return options.path;
}

/** `text-lines` {path}: the lines of a file or of a directory's files (readTextFile). */
registerSourceFactory({
  identifier: 'text-lines',
  create: (options) => new TextLineSource(pathOption('text-lines', options)) as never,
  describe: (object) => (object instanceof TextLineSource ? { path: object.path } : undefined),
});

/** `json-lines` {path, bufferSize?}: one JSON line per record, a file per subtask above parallelism 1. */
registerSinkFactory({
  identifier: 'json-lines',
  create: (options) =>
    new JsonLinesFileSink(pathOption('json-lines', options), {
      bufferSize: typeof options.bufferSize === 'number' ? options.bufferSize : undefined,
    }),
  describe: (object) => {
    if (!(object instanceof JsonLinesFileSink)) return undefined;
    // bufferSize is the sink's own setting, not part of its public surface.
    return { path: object.path, bufferSize: (object as unknown as { bufferSize: number }).bufferSize };
  },
});
