import { describe, expect, it } from 'vitest';
import en from '../../web/src/i18n/en.ts';
import ja from '../../web/src/i18n/ja.ts';

// Plural forms differ by language (English: _one and _other; Japanese: _other only).
function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === 'object' && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k.replace(/_(one|other)$/, '')}`]));
}

describe('web interface dictionaries', () => {
  it('have the same keys in Japanese and English, with no empty string', () => {
    expect([...new Set(keys(ja))].sort()).toEqual([...new Set(keys(en))].sort());
    const empty = (obj: object): boolean => Object.values(obj).some((v) => (typeof v === 'object' ? empty(v) : v === ''));
    expect(empty(en) || empty(ja)).toBe(false);
  });

  it('give every English plural its _other form and Japanese text no English words outside standard names', () => {
    const flat = (obj: object, prefix = ''): [string, string][] => Object.entries(obj).flatMap(([k, v]) => (typeof v === 'object' ? flat(v, `${prefix}${k}.`) : [[`${prefix}${k}`, String(v)] as [string, string]]));
    for (const [k] of flat(en).filter(([k]) => k.endsWith('_one'))) expect(flat(en).some(([o]) => o === k.replace(/_one$/, '_other'))).toBe(true);
    const allowed = /^(TLP|STIX|TAXII|MISP|CSV|URL|IPv4|IPv6|NDA|API|Markdown|Atom|OpenIOC|eml|log10|hxxp)$/;
    const latin = flat(ja).flatMap(([k, v]) => (v.replace(/\{\{\w+\}\}/g, '').match(/[A-Za-z][A-Za-z0-9]{2,}/g) ?? []).filter((w) => !allowed.test(w)).map((w) => `${k}: ${w}`));
    expect(latin).toEqual([]);
  });
});

describe('alert kinds in the web interface', () => {
  it('name every kind the hub writes, and title every kind shown without its own title logic, in both languages', async () => {
    const { readFileSync } = await import('node:fs');
    const src = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
    // Kinds from subscriptions (the table's check constraint) and from direct alerts (cases, notices, actions).
    const subscribed = /export type SubscriptionKind = ([^;]+);/.exec(src('src/feedback/feedback.tables.ts'))![1]!.match(/'([a-z_]+)'/g)!.map((k) => k.slice(1, -1));
    const direct = /readonly kind: ([^;]+);/.exec(src('src/cases/notice.writer.ts'))![1]!.match(/'([a-z_]+)'/g)!.map((k) => k.slice(1, -1));
    expect(direct).toContain('notice');
    for (const dict of [en, ja] as unknown as { alertKinds: Record<string, string>; alertTitles: Record<string, string> }[]) {
      for (const kind of [...subscribed, ...direct]) expect(dict.alertKinds[kind], `alertKinds.${kind}`).toBeTruthy();
      // 'action' titles itself with action_reappeared / action_other; the others by their kind.
      for (const kind of [...subscribed, ...direct].filter((k) => k !== 'action')) expect(dict.alertTitles[kind], `alertTitles.${kind}`).toBeTruthy();
    }
  });
});
