import { describe, expect, it } from 'vitest';
import type { StixObject } from '../stix/stix.types.ts';
import { contentLine, contributionLines, prebuildContent, type ContributionRow } from './contribution-columns.ts';
import { objectRecord, type ContributionRecord } from './object-row.ts';

const t = '2026-11-01T00:00:00.000Z';
const contribution = (objectId: string, tlp: ContributionRecord['tlp']): ContributionRecord => ({
  objectId, orgId: '00000000-0000-4000-8000-000000000001', userId: null, ingestId: null, tlp, pap: null, anonymous: false, allowCount: true,
  confidence: null, recipientOrgs: [], recipientGroups: [], recipientUsers: [], firstSeen: t, lastSeen: t,
});
const row = (i: number, ownerRank: number, known: boolean): ContributionRow => {
  const data = { type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, created: t, modified: t, name: `i "${i}"`, pattern: `[ipv4-addr:value = '198.51.100.${i}']`, pattern_type: 'stix', valid_from: t } as StixObject;
  return { contribution: contribution(data.id, i % 2 ? 'green' : 'amber'), record: objectRecord(data), ownerRank, keepContent: i % 3 === 0, known };
};

// The COPY text as a string (contributionLines writes it into a buffer).
const linesOf = (...a: Parameters<typeof contributionLines>): string => contributionLines(...a).toString('utf8');

describe('contributionLines with content built ahead', () => {
  it('takes the prebuilt content only for the very rows it was built for, and ids, sequence numbers and rank always anew', () => {
    const rows = [0, 1, 2, 3].map((i) => row(i, 1, false));
    const pre = prebuildContent(rows);
    // The same rows, ranked after the registry answered: the rank is the new one.
    const ranked = rows.map((r, i) => ({ ...r, ownerRank: i, known: false }));
    const lines = linesOf(ranked, [11, 12, 13, 14], [21, 22, 23, 24], pre).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(lines[2]).toBe(`13\t23\t${contentLine(rows[2]!)}\t2`);
    expect(linesOf(ranked, [1, 2, 3, 4], [5, 6, 7, 8], pre)).toBe(linesOf(ranked, [1, 2, 3, 4], [5, 6, 7, 8]));
    // Another record for the same contribution, or other objects of equal content: built from the rows given.
    const copies = [0, 1, 2, 3].map((i) => row(i, 1, false));
    copies[2] = row(5, 1, false);
    expect(linesOf(copies, [1, 2, 3, 4], [5, 6, 7, 8], pre)).toBe(linesOf(copies, [1, 2, 3, 4], [5, 6, 7, 8]));
    expect(linesOf(copies, [1, 2, 3, 4], [5, 6, 7, 8], pre)).toContain('198.51.100.5');
    const swapped = [{ ...rows[0]!, record: rows[1]!.record }];
    expect(linesOf(swapped, [1], [2], pre)).toContain('198.51.100.1');
  });

  it('writes quotes, tabs, newlines and backslashes of contents so that COPY reads them back', () => {
    const r = row(7, 1, false);
    const data = { ...r.record.data, name: 'tab\there "q" back\\slash\nline' } as StixObject;
    const line = contentLine({ contribution: r.contribution, record: objectRecord(data) });
    expect(line.split('\t')).toHaveLength(24);
    expect(line).not.toContain('\n');
    expect(line).toContain('tab\\there');
    expect(line).toContain('\\\\slash');
  });
});
