import { describe, expect, it } from 'vitest';
import { dummyHash, verifyPassword } from './password.ts';

describe('the unknown-user hash', () => {
  it('is made once per cost, at that cost, and matches no password', async () => {
    const cheap = { N: 1024, r: 8, p: 1 };
    const first = dummyHash(cheap);
    expect(dummyHash(cheap)).toBe(first);
    const hash = await first;
    // Verifying against it costs what verifying a real hash of that cost does: same scheme and parameters.
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(false);
    expect(await dummyHash({ N: 2048, r: 8, p: 1 })).toMatch(/^scrypt\$2048\$8\$1\$/);
  });
});
