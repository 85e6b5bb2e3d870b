/**
 * A multi-pattern substring matcher (Aho–Corasick): finds which of many keywords occur in a text in
 * one pass over the text, whatever the number of keywords. Built once per set of subscriptions.
 * @example new AhoCorasick(['sakura', 'momo']).search('secure-sakura.example') // [0]
 */
export class AhoCorasick {
  readonly #next: Map<number, number>[] = [new Map()];
  readonly #fail: number[] = [0];
  readonly #out: number[][] = [[]];

  constructor(patterns: readonly string[]) {
    patterns.forEach((p, i) => {
      if (p.length === 0) return;
      let node = 0;
      for (let k = 0; k < p.length; k++) {
        const c = p.charCodeAt(k);
        let to = this.#next[node]!.get(c);
        if (to === undefined) {
          to = this.#next.length;
          this.#next.push(new Map());
          this.#fail.push(0);
          this.#out.push([]);
          this.#next[node]!.set(c, to);
        }
        node = to;
      }
      this.#out[node]!.push(i);
    });
    const queue: number[] = [...this.#next[0]!.values()];
    for (let qi = 0; qi < queue.length; qi++) {
      const node = queue[qi]!;
      for (const [c, child] of this.#next[node]!) {
        queue.push(child);
        let f = this.#fail[node]!;
        while (f !== 0 && !this.#next[f]!.has(c)) f = this.#fail[f]!;
        const via = this.#next[f]!.get(c);
        this.#fail[child] = via !== undefined && via !== child ? via : 0;
        this.#out[child]!.push(...this.#out[this.#fail[child]!]!);
      }
    }
  }

  /** Indices of the patterns that occur in the text (each once, in order of first discovery). */
  search(text: string): number[] {
    const found = new Set<number>();
    let node = 0;
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      while (node !== 0 && !this.#next[node]!.has(c)) node = this.#fail[node]!;
      node = this.#next[node]!.get(c) ?? 0;
      for (const o of this.#out[node]!) found.add(o);
    }
    return [...found];
  }
}
