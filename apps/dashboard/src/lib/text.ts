/**
 * The server's messages read as clauses ("the admin role needs…", "an admin token with no expiry…")
 * so they fit inside its own sentences; shown on their own, they start and end as sentences.
 */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const end = /[.!?]$/.test(trimmed) ? '' : '.';
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}${end}`;
}

/** `1 user`, `2 users`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
