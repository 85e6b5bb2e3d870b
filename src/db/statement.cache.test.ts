import { describe, expect, it } from 'vitest';
import { BulkWrites, namedStatement, resultTypeChanged, StatementCache } from './statement.cache.ts';

const policy = { capacity: 3, maxAgeMs: 1_000, maxParams: 2 };

describe('which statements are named', () => {
  it('names reads with few parameters, nothing else', () => {
    expect(namedStatement('select 1', undefined, policy)).toBe(true);
    expect(namedStatement('  with x as (select 1) select * from x', [1, 2], policy)).toBe(true);
    expect(namedStatement('select $1, $2, $3', [1, 2, 3], policy)).toBe(false);
    for (const text of ['insert into t values ($1)', 'update t set a = 1', 'copy t (a) from stdin', 'begin', 'explain select 1', 'selected'])
      expect(namedStatement(text, [], policy), text).toBe(false);
  });

  it('knows the error of a statement whose result columns changed', () => {
    expect(resultTypeChanged(Object.assign(new Error('cached plan must not change result type'), { code: '0A000' }))).toBe(true);
    expect(resultTypeChanged(Object.assign(new Error('feature not supported'), { code: '0A000' }))).toBe(false);
    expect(resultTypeChanged(null)).toBe(false);
  });
});

describe("a connection's named statements", () => {
  it('keeps a statement by its text and closes the least recently used beyond its capacity', () => {
    const c = new StatementCache<string>(policy, () => 0);
    const a = c.acquire('a');
    expect(a).toMatchObject({ isNew: true, close: [] });
    expect(c.acquire('a')).toMatchObject({ isNew: false, close: [], statement: a.statement });
    const b = c.acquire('b').statement.name;
    c.acquire('c');
    c.acquire('a'); // the most recent again: b is now the oldest
    const d = c.acquire('d');
    expect(d.close).toEqual([b]);
    expect(c.size).toBe(3);
    expect(new Set([a.statement.name, b, d.statement.name]).size).toBe(3);
  });

  it('prepares a statement again under a new name once it is older than its age, closing the old one', () => {
    let now = 0;
    const c = new StatementCache<string>(policy, () => now);
    const first = c.acquire('a').statement.name;
    now = 1_000;
    expect(c.acquire('a').isNew).toBe(false);
    now = 1_001;
    const again = c.acquire('a');
    expect(again.isNew).toBe(true);
    expect(again.close).toEqual([first]);
    expect(again.statement.name).not.toBe(first);
  });

  it('prepares every statement again after a bulk write on any connection of the database', () => {
    const writes = new BulkWrites();
    const c = new StatementCache<string>(policy, () => 0, writes);
    const first = c.acquire('a').statement.name;
    expect(c.acquire('a').isNew).toBe(false);
    writes.count();
    const again = c.acquire('a');
    expect(again).toMatchObject({ isNew: true, close: [first] });
    expect(c.acquire('a').isNew).toBe(false);
  });

  it('forgets a statement never prepared without closing it; closes a dropped one and one whose close failed before the next', () => {
    const c = new StatementCache<string>(policy, () => 0);
    const a = c.acquire('a').statement.name;
    c.forget('a', a);
    const b = c.acquire('a');
    expect(b).toMatchObject({ isNew: true, close: [] });
    c.drop('a', 'not its name');
    expect(c.acquire('a').isNew).toBe(false);
    c.drop('a', b.statement.name);
    c.closeLater(['k99']);
    expect(c.acquire('x').close).toEqual([b.statement.name, 'k99']);
    expect(c.acquire('a').isNew).toBe(true);
  });
});
