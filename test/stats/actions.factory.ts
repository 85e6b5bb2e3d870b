import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import type { TestMember } from '../support/app.ts';

/** What a test action looks like: its outcome, hours to done, reopenings, amounts (account freezes). */
export interface TestAction {
  readonly status: 'sent' | 'done' | 'refused' | 'reappeared';
  readonly doneHours?: number;
  readonly reopen?: number;
  readonly frozen?: number;
  readonly recovered?: number;
}

/**
 * Writes an action addressed to a member's organisation, requested at a given time (the statistics
 * count by the month of request, so tests place actions in the past, which the API cannot).
 */
export async function addAction(db: Kysely<Database>, to: TestMember, kind: string, at: string, o: TestAction): Promise<string> {
  const row = await db
    .insertInto('actions')
    .values({
      kind,
      target_type: 'url',
      target_value: `http://x${randomUUID()}.example/`,
      target_key: `url:${randomUUID()}`,
      recipient: JSON.stringify({ org_id: to.org.id, name: to.org.name }),
      recipient_key: to.org.id,
      status: o.status,
      notice_subject: 's',
      notice_text: 't',
      created_at: new Date(at),
      first_done_seconds: o.doneHours === undefined ? null : o.doneHours * 3600,
      reopen_count: o.reopen ?? 0,
      amount_frozen_jpy: o.frozen ?? null,
      amount_recovered_jpy: o.recovered ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A hotline entry for the statistics: its reports' times, and a deletion request (or forward) with its outcome. */
export interface TestEntry {
  readonly category: string;
  readonly reports: readonly string[];
  readonly asked?: { readonly at: string; readonly kind?: 'deletion_request' | 'forward' | 'police_case'; readonly to: TestMember; readonly removed?: boolean };
}

/** Writes a hotline entry with its reports and request, placed in the past (tests count by month). */
export async function addHotlineEntry(db: Kysely<Database>, e: TestEntry): Promise<void> {
  const url = `http://h${randomUUID()}.example/page`;
  const entry = await db
    .insertInto('hotline_entries')
    .values({ url, site: new URL(url).hostname, category: e.category, priority: 50, report_count: e.reports.length, first_reported_at: new Date(e.reports[0]!), removed_at: e.asked?.removed ? new Date(Date.parse(e.asked.at) + 86_400_000) : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const at of e.reports) {
    await db.insertInto('hotline_reports').values({ receipt: `R-${randomUUID()}`, entry_id: entry.id, category: e.category, source: 'public', created_at: new Date(at) }).execute();
  }
  if (e.asked) {
    const kind = e.asked.kind ?? 'deletion_request';
    const action = await addAction(db, e.asked.to, kind, e.asked.at, { status: e.asked.removed ? 'done' : 'sent' });
    await db.insertInto('hotline_entry_actions').values({ entry_id: entry.id, action_id: action, kind, created_at: new Date(e.asked.at) }).execute();
  }
}
