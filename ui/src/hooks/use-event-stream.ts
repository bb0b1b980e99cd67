/** The latest data of one event type of a server-sent event stream, and whether the stream is live. */
import { useEffect, useState } from 'preact/hooks';
import { openEventStream, type StreamStatus } from '../api/event-stream.ts';

export interface EventStreamState<T> {
  data: T | undefined;
  status: StreamStatus;
  detail: string | undefined;
}

export function useEventStream<T>(
  path: string,
  event: string,
  onData?: (data: T) => void,
): EventStreamState<T> {
  const [state, setState] = useState<EventStreamState<T>>({
    data: undefined,
    status: 'connecting',
    detail: undefined,
  });
  useEffect(() => {
    setState({ data: undefined, status: 'connecting', detail: undefined });
    return openEventStream(path, {
      onEvent(name, data) {
        if (name !== event) return;
        onData?.(data as T);
        setState((s) => ({ ...s, data: data as T }));
      },
      onStatus(status, detail) {
        setState((s) => (s.status === status && s.detail === detail ? s : { ...s, status, detail }));
      },
    });
    // onData is read at event time; a new closure per render must not reopen the stream.
  }, [path, event]);
  return state;
}
