import { WeirError } from '../../core/errors.ts';

/**
 * The error for a user function that returned a Promise where the record path needs a value (an
 * `async` map or filter). Records are processed synchronously; waiting for I/O per record belongs in
 * an Async I/O operator (AsyncDataStream), which keeps many requests in flight.
 */
export function asyncResultError(method: string): WeirError {
  return new WeirError(
    'USER_FUNCTION_FAILED',
    `${method}() returned a Promise: ${method} functions run synchronously, once per record, so an ` +
      `async function's result would be lost; compute the value synchronously, or do asynchronous ` +
      `I/O with Async I/O (AsyncDataStream.orderedWait / unorderedWait)`,
  );
}
