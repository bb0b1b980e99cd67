/**
 * Server-sent events read with fetch, not EventSource: EventSource cannot send an `Authorization`
 * header, and a server with a token requires one. The stream is parsed as the SSE format says
 * (`event:`, `data:` lines, a blank line ends an event, `:` lines are comments such as heartbeats).
 * A dropped or refused stream reconnects with exponential backoff (0.5 s doubling to 10 s, reset once
 * an event arrives); `onStatus` tells the page whether it is live.
 */
import { apiUrl } from './client.ts';
import { authHeaders } from './token.ts';

export type StreamStatus = 'connecting' | 'live' | 'disconnected';

export interface StreamHandlers {
  onEvent(event: string, data: unknown): void;
  onStatus(status: StreamStatus, detail?: string): void;
}

/** Opens the stream at `path` and keeps it open until the returned function is called. */
export function openEventStream(path: string, handlers: StreamHandlers): () => void {
  let closed = false;
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoff = 500;

  const connect = async (): Promise<void> => {
    controller = new AbortController();
    handlers.onStatus('connecting');
    try {
      const response = await fetch(apiUrl(path), {
        headers: authHeaders({ Accept: 'text/event-stream' }),
        signal: controller.signal,
        cache: 'no-store',
      });
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
      await readEvents(response.body, (event, data) => {
        backoff = 500;
        handlers.onStatus('live');
        handlers.onEvent(event, data);
      });
      throw new Error('the server closed the stream');
    } catch (error) {
      if (closed) return;
      handlers.onStatus('disconnected', error instanceof Error ? error.message : String(error));
      timer = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  };
  void connect();
  return () => {
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    controller?.abort();
  };
}

async function readEvents(body: ReadableStream<Uint8Array>, emit: (event: string, data: unknown) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) emit(event, parse(data.join('\n')));
        event = 'message';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = text;
        else if (field === 'data') data.push(text);
      }
      newline = buffer.indexOf('\n');
    }
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
