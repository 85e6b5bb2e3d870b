import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCommentLine, isLineFeed } from '../../src/ingest/extract/feed-lines.ts';
import { extractIndicators } from '../../src/ingest/extract/indicator.extractor.ts';
import { parseBody } from '../../src/ingest/parsers/registry.ts';
import { parseText } from '../../src/ingest/parsers/text.parser.ts';
import { parseEml } from '../../src/ingest/parsers/eml.parser.ts';
import { htmlText } from '../../src/ingest/extract/eml-parts.ts';
import { createStixValidator } from '../../src/stix/stix.validator.ts';
import type { StixObject } from '../../src/stix/stix.types.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';

// Issue 11.2: what a comment names (maltrail's "# Reference: https://…", the host names after a
// scanner's address, copyright owners), SSH algorithm names and the markup of HTML mail are never
// indicators. Checked on every file under ../shared/data/feeds, the Cowrie text log and the mail corpus.

const real = hasSharedData();
const validator = createStixValidator(undefined);
const values = (objects: readonly StixObject[]): Set<string> => new Set(objects.filter((o) => typeof o.value === 'string').map((o) => `${o.type}:${String(o.value)}`));

/** The comment parts of a line feed: whole comment lines and what follows a value's " #". */
function commentText(text: string): string {
  return text
    .split('\n')
    .map((line) => (isCommentLine(line) ? line : (/\s[#;].*$/.exec(line)?.[0] ?? '')))
    .join('\n');
}

/** Feed files: everything under feeds/ but the provenance notes, the licence and the catalogue of feed sites. */
function feedFiles(): string[] {
  const root = sharedData('feeds');
  return readdirSync(root)
    .filter((dir) => dir !== 'catalog')
    .flatMap((dir) => readdirSync(path.join(root, dir)).map((f) => path.join(dir, f)))
    .filter((f) => !/\.md$|LICENSE/.test(f))
    .sort();
}

describe('comment lines of line feeds', () => {
  it('a maltrail list: the values, not the reference URLs, aliases or trailing host names', () => {
    const text = [
      '# Copyright (c) 2014-2026 Maltrail developers (https://github.com/stamparm/maltrail/)',
      "# See the file 'LICENSE' for copying permission",
      '# Reference: https://blog.example.org/2024/lazarus.html',
      '',
      'exbonus.mrbasic.com',
      '203.0.113.7 # scanner.labs.example.net',
      'http://198.51.100.9/panel/login.php',
      '; Reference: reports.example.com',
      'https://phish.example.net/#/login',
    ].join('\n');
    expect(isLineFeed(text)).toBe(true);
    const r = parseText(text);
    expect([...values(r.objects)].sort()).toEqual([
      'domain-name:exbonus.mrbasic.com',
      'domain-name:phish.example.net',
      'ipv4-addr:198.51.100.9',
      'ipv4-addr:203.0.113.7',
      'url:http://198.51.100.9/panel/login.php',
      'url:https://phish.example.net/',
    ]);
    expect(r.summary).toMatchObject({ line_feed: true });
  });

  it('prose is not a feed: a report keeps every line', () => {
    const text = '# Campaign notes\nThe actor used evil.example.com for C2 and staged payloads at 198.51.100.4.\nSee also the earlier report.\n';
    expect(isLineFeed(text)).toBe(false);
    expect(values(parseText(text).objects)).toEqual(new Set(['domain-name:evil.example.com', 'ipv4-addr:198.51.100.4']));
  });

  it('SSH algorithm names are not e-mail addresses', () => {
    const r = parseText('kex: curve25519-sha256@libssh.org, mac hmac-sha1@openssh.com, key ssh-ed25519-cert-v01@openssh.com; mail abuse@evil.example.com');
    expect([...values(r.objects)]).toEqual(['email-addr:abuse@evil.example.com']);
  });
});

describe('HTML mail', () => {
  it('reads the text a reader sees: no namespace or DTD URL, entities decoded, no values glued', () => {
    const html =
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">' +
      '<html xmlns="http://www.w3.org/1999/xhtml"><body><img src="http://cdn.example.com/a.png"><a href="http://evil.example.com/x?a=1&amp;b=2">http://evil.example.com/x?a=1&amp;b=2</a></body></html>';
    const text = htmlText(html);
    expect(text).not.toContain('w3.org');
    expect(extractIndicators(text).filter((e) => e.kind === 'url').map((e) => e.value)).toEqual(['http://evil.example.com/x?a=1&b=2']);
  });

  it('an HTML message gives its links decoded and never the markup URLs', async () => {
    const eml = [
      'From: a@sender.example',
      'To: b@victim.example',
      'Subject: invoice',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:o="urn:schemas-microsoft-com:office:office"><body>',
      '<img src="http://cdn.example.com/logo.png"><a href="https://pay.evil.example.com/login?u=1&amp;t=2">pay now</a>',
      '</body></html>',
    ].join('\r\n');
    const r = await parseEml(Buffer.from(eml));
    const urls = r.objects.filter((o) => o.type === 'url').map((o) => String(o.value));
    expect(urls.sort()).toEqual(['http://cdn.example.com/logo.png', 'https://pay.evil.example.com/login?u=1&t=2']);
  });
});

describe.runIf(real)('real feeds, honeypot logs and mail', () => {
  it.each(real ? feedFiles() : [])('%s: no indicator comes from a comment', { timeout: 600_000 }, async (file) => {
    const body = readFileSync(sharedData('feeds', file));
    const r = await parseBody(body, 'auto', validator, { lenient: true, filename: path.basename(file) });
    expect(r.objects.length, file).toBeGreaterThan(0);
    const taken = values(r.objects);
    const text = body.toString('utf8');
    // Values named only in comments: none of them may have been taken.
    const dataText = text
      .split('\n')
      .filter((l) => !isCommentLine(l))
      .map((l) => l.replace(/\s[#;].*$/, ''))
      .join('\n');
    const inComments = extractIndicators(commentText(text)).filter((e) => !dataText.includes(e.raw));
    expect(inComments.filter((e) => taken.has(`${e.kind}:${e.value}`)).map((e) => e.value), file).toEqual([]);
  });

  it('the maltrail lists name references and scanner hosts in comments (so the check above has work to do)', () => {
    const lazarus = readFileSync(sharedData('feeds', 'maltrail', 'apt_lazarus.txt'), 'utf8');
    expect(extractIndicators(commentText(lazarus)).some((e) => e.kind === 'url' && e.value.includes('securelist.com'))).toBe(true);
    const scanners = readFileSync(sharedData('feeds', 'maltrail', 'mass_scanner.txt'), 'utf8');
    expect(extractIndicators(commentText(scanners)).filter((e) => e.kind === 'domain-name').length).toBeGreaterThan(100);
  });

  it('the Cowrie text log: SSH algorithm names never become e-mail addresses', { timeout: 120_000 }, () => {
    const log = readFileSync(sharedData('sensor', 'cowrie', 'cowrie.log.2018-05-15'));
    const json = readFileSync(sharedData('sensor', 'cowrie', 'cowrie.json.2018-05-15'));
    for (const body of [log, json]) {
      const r = parseText(body);
      expect(r.objects.filter((o) => o.type === 'email-addr').map((o) => o.value)).toEqual([]);
      expect(r.objects.some((o) => o.type === 'ipv4-addr')).toBe(true);
    }
  });

  it('the mail corpus: no XML namespace or DTD URL, no undecoded &amp;, no glued values', async () => {
    const dirs = [sharedData('email', 'mail-parser-corpus'), sharedData('email', 'pymisp-emails')];
    let urls = 0;
    for (const dir of dirs)
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.eml'))) {
        const r = await parseEml(readFileSync(path.join(dir, f)));
        for (const o of r.objects.filter((x) => x.type === 'url')) {
          urls++;
          const v = String(o.value);
          expect(v, f).not.toMatch(/w3\.org\/(?:1999\/xhtml|TR\/)|schemas-microsoft-com|&amp;|["<>]/);
        }
      }
    expect(urls).toBeGreaterThan(0);
  });
});
