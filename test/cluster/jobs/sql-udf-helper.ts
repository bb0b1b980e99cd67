/** A module that a SQL user function imports (sql-udfs.ts): the artifact must carry it too. */
export function exclaim(s: string | null): string | null {
  return s === null ? null : `${s.toUpperCase()}!`;
}
