/**
 * Cancel a job (after a confirmation) and trigger a savepoint, following the trigger until it
 * completes (Flink's asynchronous operation: POST returns a request-id, GET polls its status).
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson, patch, postJson } from '../api/client.ts';
import type { JobState, SavepointOperation } from '../api/types.ts';

type SavepointProgress =
  | { kind: 'idle' }
  | { kind: 'triggering' }
  | { kind: 'in-progress'; triggerId: string }
  | { kind: 'completed'; location: string }
  | { kind: 'failed'; message: string };

const TERMINAL: JobState[] = ['FINISHED', 'FAILED', 'CANCELED', 'CANCELLING', 'SUSPENDED'];

export function JobActions({ jobId, state }: { jobId: string; state: JobState }) {
  const [target, setTarget] = useState('');
  const [savepoint, setSavepoint] = useState<SavepointProgress>({ kind: 'idle' });
  const [cancelMessage, setCancelMessage] = useState<string | undefined>();
  const ended = TERMINAL.includes(state);

  const cancel = async () => {
    if (!confirm(`Cancel job ${jobId}? Its state is lost unless you took a savepoint.`)) return;
    try {
      await patch(`/jobs/${encodeURIComponent(jobId)}`);
      setCancelMessage('Cancellation requested');
    } catch (error) {
      setCancelMessage(`Cancel failed: ${(error as Error).message}`);
    }
  };

  const trigger = async (event: Event) => {
    event.preventDefault();
    setSavepoint({ kind: 'triggering' });
    try {
      const body = target.trim() === '' ? {} : { 'target-directory': target.trim() };
      const { 'request-id': triggerId } = await postJson<{ 'request-id': string }>(
        `/jobs/${encodeURIComponent(jobId)}/savepoints`,
        body,
      );
      setSavepoint({ kind: 'in-progress', triggerId });
    } catch (error) {
      setSavepoint({ kind: 'failed', message: (error as Error).message });
    }
  };

  const triggerId = savepoint.kind === 'in-progress' ? savepoint.triggerId : undefined;
  useEffect(() => {
    if (triggerId === undefined) return;
    let stopped = false;
    const poll = async () => {
      try {
        const op = await getJson<SavepointOperation>(
          `/jobs/${encodeURIComponent(jobId)}/savepoints/${encodeURIComponent(triggerId)}`,
        );
        if (stopped) return;
        if (op.status.id === 'COMPLETED' && 'operation' in op) {
          const result = op.operation;
          if ('location' in result) setSavepoint({ kind: 'completed', location: result.location });
          else
            setSavepoint({
              kind: 'failed',
              message: `${result['failure-cause'].code}: ${result['failure-cause'].message}`,
            });
          return;
        }
      } catch (error) {
        if (!stopped) setSavepoint({ kind: 'failed', message: (error as Error).message });
        return;
      }
      if (!stopped) timer = setTimeout(poll, 500);
    };
    let timer = setTimeout(poll, 200);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [jobId, triggerId]);

  return (
    <section class="actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <form class="savepoint-form" onSubmit={trigger}>
        <label for="savepoint-target">Savepoint target directory (optional)</label>
        <input
          id="savepoint-target"
          type="text"
          value={target}
          placeholder="default: the configured savepoint directory"
          onInput={(event) => setTarget((event.target as HTMLInputElement).value)}
        />
        <button
          type="submit"
          disabled={ended || savepoint.kind === 'triggering' || savepoint.kind === 'in-progress'}
        >
          Trigger savepoint
        </button>
      </form>
      <output class="savepoint-status" aria-live="polite">
        {savepoint.kind === 'triggering' && 'Triggering savepoint…'}
        {savepoint.kind === 'in-progress' && `Savepoint in progress (request ${savepoint.triggerId})…`}
        {savepoint.kind === 'completed' && (
          <>
            Savepoint completed: <code class="savepoint-location">{savepoint.location}</code>
          </>
        )}
        {savepoint.kind === 'failed' && <span class="error">Savepoint failed: {savepoint.message}</span>}
      </output>
      <button type="button" class="danger" onClick={cancel} disabled={ended}>
        Cancel job
      </button>
      {cancelMessage !== undefined && (
        <output class="cancel-status" aria-live="polite">
          {cancelMessage}
        </output>
      )}
    </section>
  );
}
