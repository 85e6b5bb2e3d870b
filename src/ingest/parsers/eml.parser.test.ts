import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { createStixValidator } from '../../stix/stix.validator.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { parseEml } from './eml.parser.ts';
import { ParseError } from './parse-result.ts';

const ofType = (objects: StixObject[], type: string) => objects.filter((o) => o.type === type);
const mail = (folder: string, file: string) => readFileSync(sharedData('email', folder, file));
const validator = () => createStixValidator(sharedData('stix', 'schemas'));

describe.runIf(hasSharedData())('parseEml on the e-mail corpora', () => {
  const all = hasSharedData()
    ? ['mail-parser-corpus', 'pymisp-emails'].flatMap((folder) => readdirSync(sharedData('email', folder)).filter((f) => /\.(eml|msg)$/.test(f)).map((f) => [folder, f] as const))
    : [];

  it.each(all.filter(([, f]) => f.endsWith('.eml')))('%s/%s: one email-message, no error, indicators only for URLs and attachment hashes', async (folder, file) => {
    const r = await parseEml(mail(folder, file), { keepAttachments: true });
    expect(r.format).toBe('eml');
    // Every object passes the spec's rules and the OASIS schemas (artifacts included).
    expect(validator().validateBundle({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: r.objects }).errors).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(ofType(r.objects, 'email-message')).toHaveLength(1);
    for (const ind of ofType(r.objects, 'indicator')) expect(String(ind.pattern)).toMatch(/^\[(url:value|file:hashes\.)/);
    const ids = new Set(r.objects.map((o) => o.id));
    const msg = ofType(r.objects, 'email-message')[0]!;
    for (const ref of [msg.from_ref, msg.sender_ref, ...((msg.to_refs as string[]) ?? []), ...((msg.cc_refs as string[]) ?? [])].filter(Boolean)) expect(ids.has(ref as string)).toBe(true);
    for (const part of (msg.body_multipart as Array<Record<string, unknown>>) ?? []) if (part.body_raw_ref) expect(ids.has(part.body_raw_ref as string)).toBe(true);
  });

  it.each(all.filter(([, f]) => f.endsWith('.msg')))('%s/%s: refused as Outlook .msg', async (folder, file) => {
    await expect(parseEml(mail(folder, file))).rejects.toThrow(ParseError);
    await expect(parseEml(mail(folder, file))).rejects.toThrow('Outlook .msg, not supported — save as .eml');
  });

  // Oracle computed once with Python's email package (independent of mailparser): the first 12 hex
  // digits of the SHA-256 of every non-text part, and the global IPv4 addresses of Received headers
  // (re.findall(r'(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])', …) filtered by ipaddress.is_global).
  const oracle: ReadonlyArray<readonly [string, string, readonly string[], readonly string[]]> = [
    ['mail-parser-corpus', 'mail_test_1.eml', ['05bc3630ab05'], ['43.230.105.145', '64.98.42.207']],
    ['mail-parser-corpus', 'mail_test_11.eml', ['05bc3630ab05'], ['43.230.105.145', '64.98.42.207']],
    ['mail-parser-corpus', 'mail_test_17.eml', [], ['152.228.133.10', '200.57.129.98']],
    ['mail-parser-corpus', 'mail_test_3.eml', [], ['67.175.76.202']],
    ['mail-parser-corpus', 'mail_test_6.eml', ['51f394806c5e', '8a2575f125f1', 'b7b7d1ab4084', 'b7e966adf159'], ['66.202.209.213']],
    ['mail-parser-corpus', 'mail_test_7.eml', ['10646e7fd5c0', '1437e88314e1', '877a20581244', '8ff1257e2252', '99ba4934e7de', 'b61eac892fdb', 'c7a33a427be7', 'ec8462e43192'], ['55.56.95.227', '79.0.200.161']],
    ['mail-parser-corpus', 'mail_test_8.eml', [], ['198.23.142.158']],
    ['mail-parser-corpus', 'mail_test_9.eml', [], ['218.15.33.11', '223.152.177.168']],
    ['mail-parser-corpus', 'mail_malformed_1.eml', ['fc73e1499826'], ['129.212.207.5', '130.210.145.27', '185.137.84.106']],
    ['pymisp-emails', 'pymisp_mail_2.eml', [], []],
    ['pymisp-emails', 'pymisp_mail_3.eml', ['12e7b3891c58', '1f209f1560df', 'f8d832aed08e'], []],
  ];
  it.each(oracle)('%s/%s: attachment hashes and public relay addresses agree with the oracle', async (folder, file, hashes, relays) => {
    const r = await parseEml(mail(folder, file));
    const files = ofType(r.objects, 'file');
    expect(files.map((f) => (f.hashes as Record<string, string>)['SHA-256']!.slice(0, 12)).sort()).toEqual([...hashes]);
    expect(ofType(r.objects, 'ipv4-addr').map((o) => o.value).sort()).toEqual([...relays]);
    for (const f of files) expect(Object.keys(f.hashes as object).sort()).toEqual(['MD5', 'SHA-1', 'SHA-256']);
    expect(ofType(r.objects, 'indicator').filter((i) => String(i.pattern).startsWith('[file:'))).toHaveLength(files.length);
  });

  it('mail_test_3: header fields of the message object', async () => {
    const r = await parseEml(mail('mail-parser-corpus', 'mail_test_3.eml'));
    const msg = ofType(r.objects, 'email-message')[0]!;
    expect(msg).toMatchObject({
      is_multipart: true,
      subject: 'Hi there',
      date: '2016-08-22T13:56:09.000Z',
      content_type: 'multipart/mixed',
      message_id: '<8AF5A2192C2A46BE.2743cdb5-7033-d969-fce8-c552542a49a3@mail.outlook.com>',
      additional_header_fields: {
        'Return-Path': '<Oneil.844@randtelekom.com.tr>',
        'Message-ID': '<8AF5A2192C2A46BE.2743cdb5-7033-d969-fce8-c552542a49a3@mail.outlook.com>',
        'X-Mailer': 'Outlook for iOS and Android',
      },
    });
    expect(msg.received_lines).toHaveLength(2);
    const from = r.objects.find((o) => o.id === msg.from_ref)!;
    expect(from).toMatchObject({ type: 'email-addr', display_name: 'Ava Oneil' });
    expect(String(from.value).toLowerCase()).toBe('oneil.844@randtelekom.com.tr');
    expect((msg.to_refs as string[]).map((id) => r.objects.find((o) => o.id === id)!.value)).toEqual(['kalinokyra@thismail.it']);
  });

  it('mail_test_8: every href of the HTML part becomes a URL with an indicator', async () => {
    // Python: re.findall(r'(?:href|src|action)\s*=\s*["\']?(https?://[^"\'\s>]+)', html) → 24 distinct links.
    const r = await parseEml(mail('mail-parser-corpus', 'mail_test_8.eml'));
    const urls = ofType(r.objects, 'url').map((u) => String(u.value));
    expect(urls.length).toBeGreaterThanOrEqual(24);
    expect(urls).toContain('http://www.moneytrack.top/im/VR3615Q370G/1222L1383RY1979TX249K81339090JX3323432606/img03701222343.gif');
    expect(ofType(r.objects, 'indicator').filter((i) => String(i.pattern).startsWith('[url:'))).toHaveLength(urls.length);
  });

  it('keeps attachment bytes as artifacts only when asked', async () => {
    const without = await parseEml(mail('pymisp-emails', 'pymisp_mail_3.eml'));
    expect(ofType(without.objects, 'artifact')).toEqual([]);
    const kept = await parseEml(mail('pymisp-emails', 'pymisp_mail_3.eml'), { keepAttachments: true });
    const artifacts = ofType(kept.objects, 'artifact');
    expect(artifacts).toHaveLength(3);
    for (const a of artifacts) {
      const bytes = Buffer.from(String(a.payload_bin), 'base64');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe((a.hashes as Record<string, string>)['SHA-256']);
      expect(ofType(kept.objects, 'file').some((f) => f.content_ref === a.id)).toBe(true);
    }
  });
});

describe('parseEml on hostile input', () => {
  it('reads a truncated, header-broken mail with warnings instead of throwing', async () => {
    const text = 'From: no address here\r\nTo: ok@example.com\r\nDate: yesterday-ish\r\nSubject: =?utf-8?B?broken\r\nReceived: from x ([10.0.0.1]) by y ([198.51.100.20]); today\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<a href="hxxp://evil[.]example[.]com/x">x</a> <a href="http://phish.example.net/login?a=1&amp;b=2">y</a>\r\n--b\r\nContent-Type: application/octet-stream; name="a.exe"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAE';
    const r = await parseEml(Buffer.from(text));
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.where)).toEqual(expect.arrayContaining(['header From', 'header Date']));
    // 10.0.0.1 is private; 198.51.100.20 is documentation space: neither is a public relay.
    expect(ofType(r.objects, 'ipv4-addr')).toEqual([]);
    expect(ofType(r.objects, 'url').map((u) => u.value)).toContain('http://phish.example.net/login?a=1&b=2');
    expect(ofType(r.objects, 'file')).toHaveLength(1);
  });

  it('refuses what is not a mail at all, naming why', async () => {
    await expect(parseEml(Buffer.from([0, 1, 2, 3, 255, 254]))).rejects.toThrow(/not an e-mail/);
    await expect(parseEml(Buffer.alloc(0))).rejects.toThrow(ParseError);
  });
});

describe('parseEml on odd address headers', () => {
  it('takes a Sender header and survives address headers without addresses', async () => {
    const text = 'From: Alice <alice@example.com>\r\nSender: Bulk Mailer <bulk@mailer.example.net>\r\nTo: undisclosed-recipients:;\r\nCc: "" <>\r\nSubject: hi\r\n\r\nsee https://example.org/x\r\n';
    const r = await parseEml(Buffer.from(text));
    const msg = r.objects.find((o) => o.type === 'email-message')!;
    expect(r.objects.find((o) => o.id === msg.sender_ref)?.value).toBe('bulk@mailer.example.net');
    expect(msg.is_multipart).toBe(false);
    expect(msg.body).toBe('see https://example.org/x\n');
    expect(r.errors).toEqual([]);
  });
});
