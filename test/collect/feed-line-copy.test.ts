import { describe, expect, it } from 'vitest';
import { copyLine } from '../../src/db/copy.ts';
import { LINE_COPY_COLUMNS, lineCopyRow, type FeedLine, type LineAudience } from '../../src/store/feed-line.ts';
import { scopeKey } from '../../src/store/object-row.ts';
import { pgArray } from '../../src/store/pg-array.ts';
import { tlpRank } from '../../src/trust/tlp.ts';

// A line's COPY row is written with its audience's columns made once per audience (issue 17); it must be the row the
// generic writer makes of the same columns, whatever the texts hold and however the audiences alternate.
const audience = (over: Partial<LineAudience> = {}): LineAudience => ({
  orgId: '00000000-0000-4000-8000-000000000001', userId: null, ingestId: '00000000-0000-4000-8000-000000000009', tlp: 'amber', pap: null, anonymous: false,
  allowCount: true, confidence: 60, recipientOrgs: [], recipientGroups: ['00000000-0000-4000-8000-00000000000a'], recipientUsers: [],
  firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-02T00:00:00.000Z', ...over,
});

const line = (a: LineAudience, value: string, over: Partial<FeedLine> = {}): FeedLine => ({
  audience: a, scoType: 'url', value, display: null, scoId: 'url--6ba7b811-9dad-11d1-80b4-00c04fd430c8', indicatorId: 'indicator--6ba7b811-9dad-11d1-80b4-00c04fd430c9',
  relationshipId: 'relationship--6ba7b811-9dad-11d1-80b4-00c04fd430ca', created: '2026-11-01T00:00:00.000Z', modified: '2026-11-01T00:00:00.001Z', validFrom: '2026-11-01T00:00:00Z',
  name: null, description: null, indicatorTypes: [], labels: [], hashes: { indicator: 'aaa-_0', observable: 'bbb', relationship: 'ccc' }, ...over,
});

// The row as the generic writer makes it, column by column (LINE_COPY_COLUMNS' order).
const reference = (l: FeedLine): string => {
  const a = l.audience;
  return copyLine([
    a.orgId, a.userId, a.ingestId, a.tlp, tlpRank(a.tlp), a.pap, a.anonymous, a.allowCount, a.confidence, pgArray(a.recipientOrgs), pgArray(a.recipientGroups),
    pgArray(a.recipientUsers), scopeKey(a), a.firstSeen, a.lastSeen, l.scoType, l.value, l.display, l.scoId, l.indicatorId, l.relationshipId, l.created, l.modified,
    l.validFrom, l.name, l.description, pgArray(l.indicatorTypes), pgArray(l.labels), l.hashes.indicator, l.hashes.observable, l.hashes.relationship,
  ]);
};

describe('a feed line as a COPY row', () => {
  it('is the generic writer\'s row, with texts that need escaping and audiences that alternate', () => {
    const a = audience();
    const b = audience({ tlp: 'clear', userId: '00000000-0000-4000-8000-000000000002', recipientGroups: [], confidence: null, pap: 'green' });
    const lines = [
      line(a, 'http://x.example/a\tb\\c'),
      line(a, 'http://y.example/\nnext', { display: 'hxxp://y[.]example/', name: 'a "name"', description: 'back\\slash\r\n', labels: ['phishing', 'a,b', 'q"t'], indicatorTypes: ['malicious-activity'] }),
      line(b, 'http://z.example/'),
      line(a, 'http://w.example/'),
      line(audience(), 'http://v.example/'), // an equal audience, another object
    ];
    for (const l of lines) {
      const row = lineCopyRow(l);
      expect(row).toBe(reference(l));
      expect(row.split('\t')).toHaveLength(LINE_COPY_COLUMNS.length);
    }
  });
});
