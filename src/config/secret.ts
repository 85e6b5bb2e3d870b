import { inspect } from 'node:util';

/**
 * A secret read from the environment or a file: printing, logging or serialising it shows "[redacted]";
 * only `reveal()` gives the value (to the client that needs it).
 * @example const s = new Secret(env.X ?? ''); client({ secret: s.reveal() })
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself: pass it to the client that signs with it, never to a log. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
