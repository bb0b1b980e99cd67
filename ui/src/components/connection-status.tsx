import type { StreamStatus } from '../api/event-stream.ts';

/** "live" while the event stream delivers, "disconnected" (with the reason) while it reconnects. */
export function ConnectionStatus({ status, detail }: { status: StreamStatus; detail?: string | undefined }) {
  const text = status === 'live' ? 'live' : status === 'connecting' ? 'connecting' : 'disconnected';
  return (
    <output class={`connection connection-${status}`} aria-live="polite" title={detail}>
      <span class="connection-dot" aria-hidden="true" />
      {text}
    </output>
  );
}
