import { describe, expect, it } from 'vitest';
import { findUnstorable, scrubText, textFault } from './unstorable.ts';

describe('unstorable text and nesting', () => {
  it('names the path of a NUL, a lone surrogate (in a value or a property name), and leaves proper pairs alone', () => {
    expect(findUnstorable({ objects: [{ ok: 'x' }, { name: 'a\u0000b' }] })).toEqual({ path: '.objects[1].name', reason: expect.stringMatching(/NUL/) });
    expect(findUnstorable({ list: ['\udc00'] })).toMatchObject({ path: '.list[0]', reason: expect.stringMatching(/surrogate/) });
    expect(findUnstorable({ 'bad\u0000key': 1 })).toMatchObject({ path: '["bad\ufffdkey"]', reason: expect.stringMatching(/property name/) });
    expect(findUnstorable({ emoji: '😀 ok', jp: '結節' })).toBeNull();
    expect(textFault('\ud83d\ude00')).toBeNull();
    expect(scrubText('a\u0000b\ud800c')).toBe('a\ufffdb\ufffdc');
  });

  it('answers 200,000 levels of nesting without recursion, naming where it went too deep', () => {
    const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000));
    const r = findUnstorable({ x: deep }, { maxDepth: 100 });
    expect(r?.reason).toMatch(/deeper than 100/);
    expect(r?.path.startsWith('.x[0][0]')).toBe(true);
    expect(findUnstorable(JSON.parse('{"a":'.repeat(100) + '1' + '}'.repeat(100)), { maxDepth: 100 })).toBeNull();
    expect(findUnstorable(JSON.parse('{"a":'.repeat(101) + '1' + '}'.repeat(101)), { maxDepth: 100 })).not.toBeNull();
  });
});
