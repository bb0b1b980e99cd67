/**
 * Submit a job artifact: a bundled job module (`weir submit --bundle-only` or the CLI's bundler
 * writes one), read in the browser and sent as `POST /jobs` with its parallelism and arguments.
 */
import { useState } from 'preact/hooks';
import { postJson } from '../api/client.ts';
import { href } from '../hooks/use-route.ts';

type Submission =
  | { kind: 'idle' }
  | { kind: 'sending' }
  | { kind: 'done'; jobid: string }
  | { kind: 'failed'; message: string };

export function SubmitPage() {
  const [file, setFile] = useState<File | undefined>();
  const [parallelism, setParallelism] = useState('');
  const [args, setArgs] = useState('');
  const [state, setState] = useState<Submission>({ kind: 'idle' });

  const submit = async (event: Event) => {
    event.preventDefault();
    if (file === undefined) {
      setState({ kind: 'failed', message: 'choose a job artifact first' });
      return;
    }
    setState({ kind: 'sending' });
    try {
      const body: Record<string, unknown> = {
        artifact: { name: file.name, code: await file.text() },
        args: args.trim() === '' ? [] : args.trim().split(/\s+/),
      };
      if (parallelism.trim() !== '') body.parallelism = Number(parallelism);
      const { jobid } = await postJson<{ jobid: string }>('/jobs', body);
      setState({ kind: 'done', jobid });
    } catch (error) {
      setState({ kind: 'failed', message: (error as Error).message });
    }
  };

  return (
    <>
      <h1>Submit a job</h1>
      <form class="submit-form" onSubmit={submit}>
        <label for="artifact">Job artifact (bundled ES module, .mjs)</label>
        <input
          id="artifact"
          type="file"
          accept=".mjs,.js,text/javascript"
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0])}
        />
        <label for="parallelism">Parallelism (optional)</label>
        <input
          id="parallelism"
          type="number"
          min={1}
          value={parallelism}
          onInput={(e) => setParallelism((e.target as HTMLInputElement).value)}
        />
        <label for="job-args">Arguments (optional, separated by spaces)</label>
        <input
          id="job-args"
          type="text"
          value={args}
          onInput={(e) => setArgs((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={state.kind === 'sending'}>
          Submit job
        </button>
      </form>
      <output class="submit-status" aria-live="polite">
        {state.kind === 'sending' && 'Submitting…'}
        {state.kind === 'done' && (
          <>
            Submitted: <a href={href('jobs', state.jobid)}>job {state.jobid}</a>
          </>
        )}
        {state.kind === 'failed' && <span class="error">Submission failed: {state.message}</span>}
      </output>
    </>
  );
}
