/**
 * The exact text of a document a citizen signs: JSON without whitespace, the
 * keys of every object in code-unit order and undefined members left out. The
 * same content gives the same bytes — and the same SHA-256 — whatever order it
 * was built in, on every instance and after every restart.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
