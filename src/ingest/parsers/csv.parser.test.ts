import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { createStixValidator } from '../../stix/stix.validator.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { csvSlices, parseCsv, parseCsvRows, type CsvRowEvent, type CsvSummary } from './csv.parser.ts';
import { ParseError } from './parse-result.ts';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const ofType = (objects: StixObject[], type: string) => objects.filter((o) => o.type === type);

async function streamed(chunks: Array<Buffer | string>): Promise<{ events: CsvRowEvent[]; summary: CsvSummary }> {
  const gen = parseCsvRows((async function* () { yield* chunks; })(), { now: NOW });
  const events: CsvRowEvent[] = [];
  for (;;) {
    const next = await gen.next();
    if (next.done) return { events, summary: next.value };
    events.push(next.value);
  }
}

function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

describe.runIf(hasSharedData())('parseCsv on the JPCERT/CC phishing URL lists', () => {
  // Rows and distinct URLs counted once, independently, with Python's csv module:
  //   python3 -c "import csv; r=[x for x in list(csv.reader(open(F)))[1:] if any(c.strip() for c in x)];
  //               print(len(r), len(set(x[1].strip() for x in r)))"
  const files: ReadonlyArray<readonly [string, number, number]> = [
    ['201901.csv', 315, 308],
    ['202108.csv', 3568, 3311],
    ['202207.csv', 7190, 6932],
    ['202306.csv', 10581, 10300],
    ['202412.csv', 2686, 2613],
  ];
  it.each(files)('%s: every one of its %i rows is taken (at most %i distinct URLs)', (file, rows, distinct) => {
    const r = parseCsv(readFileSync(sharedData('feeds', 'jpcert-phishurl', file)), { now: NOW });
    expect(r.errors).toEqual([]);
    expect(r.summary).toMatchObject({ rows, rows_taken: rows, rows_failed: 0, profile: 'jpcert-phishing', encoding: 'utf-8' });
    const urls = r.summary!.counts as Record<string, number>;
    // Distinct after canonicalisation: never more than the distinct texts, and every row is either new or a repeat.
    expect(urls.url).toBeLessThanOrEqual(distinct);
    expect(urls.url! + (r.summary!.duplicates as number)).toBe(rows);
    expect(ofType(r.objects, 'url')).toHaveLength(urls.url!);
    expect(ofType(r.objects, 'indicator')).toHaveLength(urls.url!);
    expect(ofType(r.objects, 'relationship')).toHaveLength(urls.url!);
    if (file === '201901.csv') {
      const check = createStixValidator(sharedData('stix', 'schemas')).validateBundle({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: r.objects });
      expect(check.errors).toEqual([]);
    }
  });

  it('reads date (JST), URL and brand into the indicator', () => {
    const r = parseCsv(readFileSync(sharedData('feeds', 'jpcert-phishurl', '202412.csv')), { now: NOW });
    // First data row: 2024/12/02 10:36:00,https://181.214.58.104,じぶん銀行
    const ind = ofType(r.objects, 'indicator')[0]!;
    expect(ind).toMatchObject({
      valid_from: '2024-12-02T01:36:00.000Z',
      indicator_types: ['malicious-activity'],
      labels: ['brand:じぶん銀行', 'phishing'],
      name: 'Phishing site imitating じぶん銀行',
    });
    expect(String(ind.pattern)).toMatch(/^\[url:value = 'https:\/\/181\.214\.58\.104\/?'\]$/);
    // Line 1155 holds a quoted URL with commas in its query.
    expect(ofType(r.objects, 'url').some((u) => String(u.value).includes('language=ja,en-US;q=0.9,en;q=0.8'))).toBe(true);
  });

  it('streams the same objects as the one-shot parse, in chunks that split lines and characters', async () => {
    const buf = readFileSync(sharedData('feeds', 'jpcert-phishurl', '201901.csv'));
    const whole = parseCsv(buf, { now: NOW });
    const { events, summary } = await streamed(chunked(buf, 1000));
    const objects = events.flatMap((e) => e.objects);
    expect(objects.map((o) => o.type)).toEqual(whole.objects.map((o) => o.type));
    expect(ofType(objects, 'url').map((o) => o.value)).toEqual(ofType(whole.objects, 'url').map((o) => o.value));
    expect(summary).toMatchObject({ rows: 315, rows_taken: 315 });
  });
});

describe.runIf(hasSharedData())('parseCsv on MISP CSV import files', () => {
  it('valid_fieldnames.csv: md5, sha1 and sha256 of a row make one file with three hashes', () => {
    const r = parseCsv(readFileSync(sharedData('misp', 'events', 'valid_fieldnames.csv')), { now: NOW });
    expect(r.errors).toEqual([]);
    const files = ofType(r.objects, 'file');
    expect(files).toHaveLength(3);
    expect(Object.keys(files[0]!.hashes as object).sort()).toEqual(['MD5', 'SHA-1', 'SHA-256']);
    expect(String(ofType(r.objects, 'indicator')[0]!.pattern)).toBe(
      "[file:hashes.MD5 = '644087ccca16d2a728ef7685a4106f09' AND file:hashes.'SHA-1' = 'eabd6974ac71efd72d9e0688d5a6131f336d169c' AND file:hashes.'SHA-256' = '385e31c97e3a07bbb81513f0cd0979e64e6b014943902efd002f57b21eadd41e']",
    );
  });

  it('invalid_fieldnames.csv: SHA1 is taken, fileName names the indicator, size is reported unused', () => {
    // tail -n +2 invalid_fieldnames.csv | grep -c . → 10 rows
    const r = parseCsv(readFileSync(sharedData('misp', 'events', 'invalid_fieldnames.csv')), { now: NOW });
    expect(r.summary).toMatchObject({ rows: 10, rows_taken: 10, counts: { file: 10 } });
    expect(r.warnings).toEqual([{ where: 'line 1', reason: 'column(s) not used: size' }]);
    expect(ofType(r.objects, 'indicator').map((i) => i.name)).toContain('soft.exe');
  });
});

describe('parseCsv on hand-made files', () => {
  const japanese = '日付,URL,ブランド,タグ\r\n2024/12/02 10:36:00,https://phish.example.co.jp/login,三井住友カード,"tlp:amber,phishing"\r\n2024/12/03,hxxps://evil[.]example[.]com/,楽天,\r\n';

  it('reads a Shift_JIS file with Japanese headers, CRLF, quoted tags and a TLP tag per row', () => {
    const r = parseCsv(iconv.encode(japanese, 'shift_jis'), { now: NOW });
    expect(r.summary).toMatchObject({ encoding: 'shift_jis', rows: 2, rows_taken: 2, counts: { url: 2 } });
    const [first, second] = ofType(r.objects, 'indicator');
    expect(first).toMatchObject({ labels: ['phishing', 'brand:三井住友カード'], valid_from: '2024-12-02T01:36:00.000Z', object_marking_refs: [expect.stringMatching(/^marking-definition--/)] });
    expect(second!.object_marking_refs).toBeUndefined();
    expect(second!.pattern).toBe("[url:value = 'https://evil.example.com/']");
    expect(ofType(r.objects, 'marking-definition')).toHaveLength(1);
  });

  it('reads UTF-8 with a BOM the same as without', () => {
    const plain = parseCsv(Buffer.from(japanese), { now: NOW });
    const bom = parseCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(japanese)]), { now: NOW });
    expect(bom.summary?.columns).toEqual(plain.summary?.columns);
    expect(bom.summary?.rows_taken).toBe(2);
  });

  it('names the line of each bad row and takes the others; an unterminated quote does not swallow the file', () => {
    const text = [
      'value,type,comment', // line 1
      '198.51.100.7,ip-dst,ok', // 2
      'not an indicator,,', // 3
      '"http://a.example.com/x,unclosed', // 4: quote never closed
      'evil.example.net,domain,"say ""hi"""', // 5
      '10.0.0.999,ip,bad octet', // 6
      'x.example.org,flux-capacitor,', // 7
      "http://q.example.com/it's,url,quote in value", // 8
    ].join('\n');
    const r = parseCsv(Buffer.from(text), { now: NOW });
    expect(r.errors.map((e) => e.where)).toEqual(['line 3', 'line 4', 'line 6', 'line 7']);
    expect(r.errors[1]!.reason).toMatch(/unterminated quoted field/);
    expect(r.errors[3]!.reason).toMatch(/flux-capacitor/);
    expect(r.summary).toMatchObject({ rows: 7, rows_taken: 3, rows_failed: 4 });
    expect(ofType(r.objects, 'indicator').find((i) => String(i.pattern).startsWith('[domain'))!.description).toBe('say "hi"');
    expect(ofType(r.objects, 'indicator').map((i) => i.pattern)).toContain("[url:value = 'http://q.example.com/it\\'s']");
  });

  it('caps the issues of a file full of bad rows, counting the rest', () => {
    const r = parseCsv(Buffer.from(['value', ...Array.from({ length: 1500 }, (_, i) => `junk ${i}`)].join('\n')), { now: NOW });
    expect(r.errors).toHaveLength(1000);
    expect(r.warnings).toEqual([{ where: '(input)', reason: '500 further issue(s) not listed' }]);
    expect(r.summary).toMatchObject({ rows: 1500, rows_failed: 1500 });
  });

  it('reads a file without a header when its first cell is an indicator, and refuses one with no value column', () => {
    const r = parseCsv(Buffer.from('198.51.100.9,scanner\n2001:db8::5,scanner\n'), { now: NOW });
    expect(r.summary?.counts).toEqual({ 'ipv4-addr': 1, 'ipv6-addr': 1 });
    expect(() => parseCsv(Buffer.from('foo,bar\n1,2\n'))).toThrow(ParseError);
    expect(() => parseCsv(Buffer.from(''))).toThrow(/empty file/);
  });

  it('streams Shift_JIS given in tiny chunks, and plain text lines', async () => {
    const sjis = iconv.encode(japanese, 'shift_jis');
    const fromBytes = await streamed(chunked(sjis, 7));
    expect(fromBytes.summary.encoding).toBe('shift_jis');
    expect(fromBytes.events.flatMap((e) => e.objects).filter((o) => o.type === 'url').map((o) => o.value)).toEqual(['https://phish.example.co.jp/login', 'https://evil.example.com/']);
    const fromLines = await streamed(japanese.split('\n').map((l) => `${l}\n`));
    expect(fromLines.summary).toMatchObject({ rows: 2, rows_taken: 2 });
  });

  it('takes every row of a 50,000-row file, each value once', () => {
    const lines = ['ip,first_seen,tags'];
    for (let i = 0; i < 50_000; i++) lines.push(`${11 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255},2025-01-01T00:00:00Z,scanner`);
    const r = parseCsv(Buffer.from(lines.join('\n')), { now: NOW });
    expect(r.summary).toMatchObject({ rows: 50_000, rows_taken: 50_000, rows_failed: 0 });
    expect(r.objects.filter((o) => o.type === 'ipv4-addr')).toHaveLength(50_000 - (r.summary!.duplicates as number));
  });

  // A new value of a single-value type is not looked up in the file's id set (issue 17): its ids are new because its
  // key is. Spellings of one value, values repeated in other columns and rows, hash rows between them, with and
  // without the organisation's id salt and slices of every size: never an id twice, every value once.
  it('gives every object once however the rows spell and repeat their values', () => {
    const rows = [
      'url,domain,ip,md5,sha1,email,tags',
      'https://A.example.com/x,Example.COM,10.0.0.1,,,a@Example.org,tlp:amber',
      'https://a.example.com/x,example.com.,10.0.0.1,d41d8cd98f00b204e9800998ecf8427e,da39a3ee5e6b4b0d3255bfef95601890afd80709,A@example.org,',
      ',example.com,,d41d8cd98f00b204e9800998ecf8427e,,,tlp:green',
      'https://a.example.com/y,b.example.com,10.0.0.2,,,b@example.org,',
      'http://a.example.com/x,,,,da39a3ee5e6b4b0d3255bfef95601890afd80709,,tlp:amber',
      ',b.example.com,10.0.0.2,,,,',
    ];
    const csv = Buffer.from([...rows, ...rows.slice(1)].join('\n'));
    const whole = parseCsv(csv, { now: NOW }).objects;
    for (const idSalt of [undefined, 'salt']) {
      for (const size of [1, 2, 3, 5, 1000]) {
        const got: StixObject[] = [];
        const slices = csvSlices(csv, { now: NOW, idSalt }, size);
        for (let r = slices.next(); !r.done; r = slices.next()) got.push(...r.value.objects);
        expect(new Set(got.map((o) => o.id)).size, `slices of ${size}`).toBe(got.length);
        if (idSalt === undefined) expect(got).toEqual(whole);
        else expect(got.map((o) => o.type)).toEqual(whole.map((o) => o.type));
      }
    }
    expect(new Set(ofType(whole, 'domain-name').map((o) => o.value))).toEqual(new Set(['example.com', 'b.example.com']));
    expect(ofType(whole, 'domain-name')).toHaveLength(2);
    expect(ofType(whole, 'url')).toHaveLength(new Set(ofType(whole, 'url').map((o) => o.value)).size);
    expect(ofType(whole, 'relationship')).toHaveLength(ofType(whole, 'indicator').length);
  });
});
