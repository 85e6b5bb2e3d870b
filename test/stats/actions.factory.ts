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
export async function addAction(db: Kysely<Database>, to: TestMember, kind: string, at: string, o: TestAction): Promise<void> {
  await db
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
    .execute();
}
