import { describe, expect, it } from 'vitest';
import type { StixObject } from '../stix/stix.types.ts';
import { contentColumns, contributionColumns, type ContributionRow } from './contribution-columns.ts';
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

describe('contributionColumns with content built ahead', () => {
  it('takes the prebuilt content only for exactly the rows it was built for, and the registry-dependent columns always anew', () => {
    const rows = [0, 1, 2, 3].map((i) => row(i, 1, false));
    const pre = { rows, columns: contentColumns(rows) };
    // The same rows, ranked after the registry answered: the rank and known columns are the new ones.
    const ranked = rows.map((r, i) => ({ ...r, ownerRank: i, known: i > 1 }));
    expect(contributionColumns(ranked, pre)).toEqual(contributionColumns(ranked));
    expect(contributionColumns(ranked, pre).owner_rank).toBe('{0,1,2,3}');
    expect(contributionColumns(ranked, pre).known).toBe('{f,f,t,t}');
    // A subset, another order, or other objects of equal content: built from the rows given, never from the prebuilt ones.
    const subset = ranked.slice(1, 3);
    expect(contributionColumns(subset, pre)).toEqual(contributionColumns(subset));
    expect(contributionColumns(subset, pre).object_id).not.toBe(pre.columns.object_id);
    const reversed = [...ranked].reverse();
    expect(contributionColumns(reversed, pre)).toEqual(contributionColumns(reversed));
    const copies = [0, 1, 2, 3].map((i) => row(i, 1, false));
    copies[2] = row(5, 1, false);
    expect(contributionColumns(copies, pre).object_id).toBe(contentColumns(copies).object_id);
    expect(contributionColumns(copies, pre).object_id).not.toBe(pre.columns.object_id);
  });
});
