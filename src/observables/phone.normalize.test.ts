import { describe, expect, it } from 'vitest';
import { normalizePhone } from './phone.normalize.ts';

describe('phone numbers to E.164', () => {
  const japanese: [string, string][] = [
    ['03-1234-5678', '+81312345678'], // Tokyo fixed line
    ['(03) 1234-5678', '+81312345678'],
    ['090-1234-5678', '+819012345678'], // mobile
    ['080 1234 5678', '+818012345678'],
    ['070-1234-5678', '+817012345678'],
    ['050-1234-5678', '+815012345678'], // IP phone
    ['0120-123-456', '+81120123456'], // freephone
    ['0800-123-4567', '+818001234567'], // freephone, 11 digits
    ['0570-064-000', '+81570064000'], // navi dial
    ['06-6123-4567', '+81661234567'], // Osaka
    ['082-123-4567', '+81821234567'], // Hiroshima: 08x but not mobile
    ['０３－１２３４－５６７８', '+81312345678'], // full width
    ['090ー1234ー5678', '+819012345678'], // prolonged sound mark typed as a hyphen
    ['+81 3 1234 5678', '+81312345678'],
    ['+81-90-1234-5678', '+819012345678'],
    ['+81 (0)3 1234 5678', '+81312345678'],
    ['+81 03-1234-5678', '+81312345678'], // trunk zero kept by mistake
    ['010-81-3-1234-5678', '+81312345678'], // Japan's international prefix
    ['tel:+81-3-1234-5678', '+81312345678'],
  ];
  for (const [raw, want] of japanese) it(`${raw} → ${want}`, () => expect(normalizePhone(raw)).toBe(want));

  it('reads other countries by E.164 length only', () => {
    expect(normalizePhone('+1 (202) 555-0123')).toBe('+12025550123');
    expect(normalizePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('010 1 202 555 0123')).toBe('+12025550123');
  });

  it('refuses numbers that break the Japanese numbering plan or E.164', () => {
    const bad: [string, RegExp][] = [
      ['090-1234-567', /starting 090 has 11 digits with the 0, not 10/],
      ['03-1234-56789', /starting 031 has 10 digits with the 0, not 11/],
      ['0120-123-4567', /has 10 digits with the 0, not 11/],
      ['+81 0 0 1234', /single trunk 0/],
      ['12345678', /has no country code/],
      ['+0 123 4567', /does not start with 0/],
      ['+1 234', /7 to 15 digits/],
      ['+1234567890123456', /7 to 15 digits/],
      ['03-1234-abcd', /characters other than digits/],
      ['9'.repeat(200), /too long/],
    ];
    for (const [raw, reason] of bad) expect(() => normalizePhone(raw), raw.slice(0, 30)).toThrow(reason);
  });
});
