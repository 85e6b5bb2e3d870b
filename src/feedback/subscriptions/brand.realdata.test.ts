import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { keyOfValue } from '../../observables/observable.factory.ts';
import { AssetMatcher } from './asset.matcher.ts';
import { validateRule, type AssetRule } from './subscription.rules.ts';

// JPCERT/CC's monthly phishing URL lists: date, URL, and the brand the site imitated.
function phishing(file: string): { url: string; key: string; brand: string }[] {
  const rows = parse(readFileSync(sharedData('feeds', 'jpcert-phishurl', file)), { columns: true, relax_quotes: true, skip_empty_lines: true }) as { URL: string; description: string }[];
  return rows.flatMap((r) => {
    try {
      return [{ url: r.URL, key: keyOfValue('url', r.URL), brand: r.description }];
    } catch {
      return [];
    }
  });
}

const brand = (keywords: string[]): AssetMatcher => new AssetMatcher([validateRule('asset', { keywords }) as AssetRule]);

describe.runIf(hasSharedData())('brand keywords on JPCERT/CC phishing URLs', () => {
  it('"docomo" finds every URL that spells it, and look-alikes that do not', () => {
    const rows = phishing('202108.csv');
    const m = brand(['docomo']);
    const hits = rows.filter((r) => m.match(r.key).length > 0);
    // awk -F, 'NR>1 && tolower($2) ~ /docomo/' 202108.csv | wc -l  →  68
    const spelled = rows.filter((r) => r.url.toLowerCase().includes('docomo'));
    expect(spelled).toHaveLength(68);
    for (const r of spelled) expect(hits).toContain(r);
    // Look-alikes: "d0como" (digit for letter), "docorno" (rn for m), and the like.
    const lookalikes = hits.filter((r) => !r.url.toLowerCase().includes('docomo'));
    for (const r of lookalikes) expect(r.brand, r.url).toBe('NTT docomo');
  });

  it('Japanese and Chinese brand names inside internationalised host names', () => {
    // node: domainToUnicode(host).includes('黑貓') over the 12 xn-- URLs of 202412.csv → 12
    expect(phishing('202412.csv').filter((r) => brand(['黑貓']).match(r.key).length > 0)).toHaveLength(12);
    // アップルジャパンのログインid.* (three URLs imitating Apple ID, 201901.csv)
    const apple = phishing('201901.csv').filter((r) => brand(['アップル']).match(r.key).length > 0);
    expect(apple).toHaveLength(3);
    for (const r of apple) expect(r.brand).toBe('Apple ID');
  });
});
