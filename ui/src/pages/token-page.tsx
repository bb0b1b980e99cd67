/** The REST token, for servers started with one (rest.auth.token / --web-token): kept for this tab only. */
import { useState } from 'preact/hooks';
import { readToken, writeToken } from '../api/token.ts';
import { href } from '../hooks/use-route.ts';

export function TokenPage() {
  const [value, setValue] = useState(readToken() ?? '');
  const [saved, setSaved] = useState<string | undefined>();
  return (
    <>
      <h1>Access token</h1>
      <p>
        A server started with a token answers only requests that carry it. The dashboard sends it as a bearer
        token and keeps it in this tab's session storage only.
      </p>
      <form
        class="token-form"
        onSubmit={(event) => {
          event.preventDefault();
          writeToken(value.trim());
          setSaved(value.trim() === '' ? 'Token cleared.' : 'Token saved for this tab; reconnecting.');
          // Reconnect every stream with the token, from the overview.
          setTimeout(() => {
            location.hash = href();
            location.reload();
          }, 300);
        }}
      >
        <label for="token">REST token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Save token</button>
      </form>
      {saved !== undefined && <output aria-live="polite">{saved}</output>}
    </>
  );
}
