/** A value that cannot be made into an observable; the message says which kind, which value and why. */
export class ObservableError extends Error {
  readonly kind: string;
  readonly reason: string;
  constructor(kind: string, value: string, reason: string) {
    super(`${kind} "${clip(value)}": ${reason}`);
    this.name = 'ObservableError';
    this.kind = kind;
    this.reason = reason;
  }
}

// Hostile input can be megabytes long or hold control characters; the message must stay one short line.
function clip(value: string): string {
  const text = String(value);
  let s = '';
  for (const ch of text.slice(0, 80)) s += ch < ' ' || ch === '\u007f' ? '?' : ch;
  return text.length > 80 ? `${s}…` : s;
}
