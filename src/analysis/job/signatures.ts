import { createHash } from 'node:crypto';
import type { ContributionScope } from '../../access/visibility.policy.ts';

// A signature is the set of contribution scopes of one object: who contributed it, at which TLP,
// to whom, whether it may be counted, with which confidence. Objects with the same signature are
// seen by exactly the same viewers, so the job counts facts per signature and reads apply THE
// policy to the signature's scope rows. The id is a hash of the content: stable across runs.

/** One contribution scope: what the policy reads, plus what the job counts. */
export interface Scope extends ContributionScope {
  readonly allowCount: boolean;
  readonly confidence: number | null;
  /** False for the hub's contribution to a sanitised copy: it decides who may see, never who reported. Default true. */
  readonly reporter?: boolean;
}

// Scopes of reporters keep the ids they had before copies were told apart.
const line = (s: Scope): string =>
  [s.orgId, s.userId ?? '', s.tlp, [...s.recipientOrgs].sort().join(','), [...s.recipientGroups].sort().join(','), [...s.recipientUsers].sort().join(','), s.allowCount ? 1 : 0, s.confidence ?? ''].join('|') +
  (s.reporter === false ? '|copy' : '');

/**
 * Interns signatures: the same set of scopes (in any order, duplicates ignored) gets the same id.
 * @example const sigs = new Signatures(); const id = sigs.of([{ orgId, userId: null, tlp: 'green', … }])
 */
export class Signatures {
  readonly #ids = new Map<string, string>();
  readonly #scopes = new Map<string, Scope[]>();

  /** The id of a set of scopes. */
  of(scopes: readonly Scope[]): string {
    const lines = new Map<string, Scope>();
    for (const s of scopes) lines.set(line(s), s);
    const keys = [...lines.keys()].sort();
    const text = keys.join('\n');
    let id = this.#ids.get(text);
    if (id === undefined) {
      id = createHash('sha1').update(text).digest('base64url').slice(0, 22);
      this.#ids.set(text, id);
      this.#scopes.set(
        id,
        keys.map((k) => lines.get(k)!),
      );
    }
    return id;
  }

  /** Every signature met, with its scopes in a stable order. */
  entries(): IterableIterator<[string, Scope[]]> {
    return this.#scopes.entries();
  }

  /** How many distinct signatures. */
  get size(): number {
    return this.#scopes.size;
  }
}
