import { describe, expect, it } from 'vitest';
import { PagePrefetch } from './page.prefetch.ts';

describe('page prefetch', () => {
  it('hands a page over once, drops failures, and holds a bounded number of pages', async () => {
    const p = new PagePrefetch<number>({ max: 2, ttlMs: 10_000 });
    p.put('a', async () => 1);
    expect(await p.take('a')).toBe(1);
    expect(p.take('a')).toBeUndefined();
    p.put('bad', () => Promise.reject(new Error('db down')));
    await new Promise((r) => setTimeout(r, 0));
    expect(p.take('bad')).toBeUndefined();
    p.put('x', async () => 1);
    p.put('y', async () => 2);
    p.put('z', async () => 3);
    expect(p.size).toBe(2);
    expect(p.take('x')).toBeUndefined();
    expect(await p.take('z')).toBe(3);
  });

  it('forgets pages nobody asked for in time', async () => {
    const p = new PagePrefetch<number>({ ttlMs: 5 });
    p.put('a', async () => 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(p.take('a')).toBeUndefined();
    expect(p.size).toBe(0);
  });
});
