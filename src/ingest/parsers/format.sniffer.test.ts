import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hasSharedData, SHARED_DATA, sharedData, sharedDataOrSkip } from '../../../test/support/shared-data.ts';
import { sniffFormat } from './format.sniffer.ts';
import type { IngestFormat } from './parse-result.ts';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

// What each shared file is, decided from the folder it sits in and what its SOURCE.md says it is,
// not from the sniffer's own rules.
const NOT_IMPORTABLE_JSON = [
  'stix/mitre-attack/collection-index.json', // ATT&CK collection index (a list of collection URLs)
  'stix/pattern-validator-cases/v21_pass_fail_cases.json', // test cases of the pattern validator
  'stix/taxii21-medallion/taxii21-default_data.json', // a TAXII server's backing data
  'misp/events/sharing_groups.json', // MISP sharing groups, not an event
  'ioc-extraction/ninoseki-ioc-extractor/extractIOC_expected.json', // expected outputs of an extractor
];

function expected(rel: string): IngestFormat | null {
  const name = path.basename(rel);
  if (NOT_IMPORTABLE_JSON.includes(rel) || rel.startsWith('stix/schemas/') && name.endsWith('.json')) return null;
  // A full RFC 5322 message (headers, MIME body) that unit42 published with a .txt name.
  if (name === '2020-09-03-Emotet-thread-hijacking-spoofed-malspam-from-botnet.txt') return 'eml';
  if (name.endsWith('.msg')) return null;
  if (name.endsWith('.eml')) return 'eml';
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.ioc.xml')) return 'openioc';
  if (name.endsWith('.xml')) return 'stix1';
  if (name.endsWith('.json')) {
    if (rel.startsWith('stix/stix20-')) return 'stix20';
    if (rel.startsWith('stix/')) return 'stix';
    if (rel.startsWith('misp/events/')) return 'misp';
  }
  return 'text'; // SOURCE.md, README.md, licences, .txt lists and prose, .lst
}

describe.runIf(hasSharedData())('sniffFormat on every shared file', () => {
  if (!sharedDataOrSkip()) return;
  const files = ['stix', 'misp/events', 'email', 'feeds', 'ioc-extraction'].flatMap((d) => walk(sharedData(...d.split('/'))));

  it('has the files it is meant to look at', () => {
    // find stix misp/events email feeds ioc-extraction -type f | wc -l
    expect(files.length).toBe(210);
  });

  it.each([64 * 1024, 4096])('sniffs each as what it is from its first %i bytes', (size) => {
    const wrong: string[] = [];
    for (const f of files) {
      const rel = path.relative(SHARED_DATA, f);
      const r = sniffFormat(readFileSync(f).subarray(0, size), path.basename(f));
      expect(r.reason.length).toBeGreaterThan(5);
      if (r.format !== expected(rel)) wrong.push(`${rel}: ${r.format} (${r.reason})`);
    }
    expect(wrong).toEqual([]);
  });

  it('does not need the file name (except to word a refusal)', () => {
    for (const f of files.filter((x) => !x.endsWith('.md') && !x.endsWith('.msg'))) {
      expect(sniffFormat(readFileSync(f).subarray(0, 64 * 1024)).format, f).toBe(expected(path.relative(SHARED_DATA, f)));
    }
  });

  it('recognises both shapes of the malvuln feed manifest', () => {
    const root = sniffFormat(readFileSync(sharedData('misp', 'feed-malvuln', 'feed', 'manifest.json')));
    expect(root).toMatchObject({ format: 'misp-feed' });
    expect(root.reason).toMatch(/feed index/);
    const list = sniffFormat(readFileSync(sharedData('misp', 'feed-malvuln', 'feed', 'events', 'manifest.json')));
    expect(list).toMatchObject({ format: 'misp-feed' });
    expect(list.reason).toMatch(/list form/);
    expect(sniffFormat(readFileSync(sharedData('misp', 'feed-malvuln', 'feed', 'events', 'misp_event_00199eb3fd1a0aa6771b7f12fad895a0.json'))).format).toBe('misp');
  });

  it('says why it refuses an Outlook message', () => {
    expect(sniffFormat(readFileSync(sharedData('email', 'mail-parser-corpus', 'mail_outlook_1.msg')), 'mail_outlook_1.msg').reason).toMatch(/Outlook \.msg.*save it as \.eml/);
  });
});

describe('sniffFormat on crafted heads', () => {
  const s = (text: string | Buffer, name?: string) => sniffFormat(typeof text === 'string' ? Buffer.from(text) : text, name);

  it('names compressed and binary data instead of guessing', () => {
    expect(s(gzipSync('{"type":"bundle"}'))).toEqual({ format: null, reason: expect.stringMatching(/^gzip-compressed/) });
    expect(s(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).toEqual({ format: null, reason: expect.stringMatching(/zip archive/) });
    expect(s(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), 'x.doc').reason).toMatch(/OLE compound file/);
    expect(s(Buffer.from('%PDF-1.7\n')).reason).toMatch(/PDF/);
    expect(s(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0])).reason).toMatch(/binary data/);
    expect(s(Buffer.alloc(0))).toEqual({ format: null, reason: 'the file is empty' });
    expect(s('  \n\t ').format).toBeNull();
  });

  it('refuses other XML naming its root element, and HTML', () => {
    expect(s('<?xml version="1.0"?>\n<!-- feed -->\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel/></rss>')).toEqual({
      format: null,
      reason: 'XML with root element <rss>: neither STIX 1.x nor OpenIOC',
    });
    expect(s('<feed xmlns="http://www.w3.org/2005/Atom"></feed>').reason).toBe('XML with root element <feed> (namespace http://www.w3.org/2005/Atom): neither STIX 1.x nor OpenIOC');
    expect(s('<!DOCTYPE html><html><body>hi</body></html>').reason).toMatch(/HTML page/);
    expect(s('<STIX_Package id="x"/>').reason).toMatch(/without the STIX 1 namespace/);
  });

  it('tells OpenIOC 1.1 and the 2011 namespace', () => {
    expect(s('<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="x"/>').format).toBe('openioc');
    expect(s('<ioc xmlns="http://schemas.mandiant.com/2011/ioc"/>').format).toBe('openioc');
  });

  it('STIX 2.0 and 2.1 by spec_version, by 2.1-only features, by missing spec_version', () => {
    expect(s('{"type":"bundle","id":"bundle--1","spec_version":"2.0","objects":[]}').format).toBe('stix20');
    expect(s('{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--1","spec_version":"2.1"}]}').format).toBe('stix');
    expect(s('{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--1","labels":["x"]}]}').format).toBe('stix20');
    expect(s('{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--1","pattern_type":"stix"').format).toBe('stix');
    expect(s('{"type":"bundle","id":"bundle--1","objects":[]}').format).toBe('stix');
    expect(s('{"id":"ipv4-addr--1","type":"ipv4-addr","value":"198.51.100.1"}').format).toBe('stix');
    expect(s('[{"type":"indicator","id":"indicator--1"}]').reason).toMatch(/wrap them in a bundle/);
  });

  it('reads UTF-16 with a byte-order mark', () => {
    const body = Buffer.from('{"Event": {"info": "x"}}', 'utf16le');
    expect(s(Buffer.concat([Buffer.from([0xff, 0xfe]), body])).format).toBe('misp');
    const be = Buffer.from(body).swap16();
    expect(s(Buffer.concat([Buffer.from([0xfe, 0xff]), be])).format).toBe('misp');
  });

  it('a standard MISP feed manifest and MISP API answers', () => {
    expect(s('{"5a3cd5b6-9568-4342-b2ab-4c62950d210f": {"info": "x", "timestamp": "1"}}').format).toBe('misp-feed');
    expect(s('{"response": [{"Event": {}}]}').format).toBe('misp');
  });

  it('a header-less table and a one-column list are text; a header makes CSV', () => {
    expect(s('198.51.100.1\t10\n198.51.100.2\t9\n198.51.100.3\t8\n').format).toBe('text');
    expect(s('SHA256\n' + 'a'.repeat(64) + '\n' + 'b'.repeat(64) + '\n').format).toBe('text');
    expect(s('ip,port,first_seen\n198.51.100.1,443,2024-01-01\n198.51.100.2,80,2024-01-02\n').format).toBe('csv');
    expect(s('url\nhttp://a.example.com/\nhttp://b.example.com/\n', 'list.csv').format).toBe('csv');
  });

  it('e-mail needs a header block with known fields', () => {
    expect(s('From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody').format).toBe('eml');
    expect(s('Note: this is prose\nwith a colon in the first line only\n').format).toBe('text');
  });
});
