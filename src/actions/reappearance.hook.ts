import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { IngestHooks, IngestSlice, IngestStart } from '../ingest/ingest.service.ts';
import { writeDirectAlerts } from '../cases/notice.writer.ts';
import { lineKey } from '../store/feed-line.ts';

const CHUNK = 5000;

/**
 * The ingest hook that reopens actions: a value taken down (status done) that appears again in
 * later data — in the same transaction as that data — becomes `reappeared`, with the ingest named
 * in its history and an alert to the organisation that opened it. Data posted by the police of
 * the action's own case (a seized C2 list) is not a reappearance. Slice by slice (issue 17): an action reopened by
 * one slice is no longer done when a later slice holds its value again.
 */
export function reappearanceHook(): IngestHooks {
  return {
    // Asked once per ingest, not per slice (issue 17): most ingests arrive while nothing is taken down. An action
    // marked done by another transaction while this ingest runs is not reopened by it (its data was sent before).
    begin: async (trx, ingest) => ((await anyDone(trx)) ? { slice: async (t, slice) => void (await reopenReappeared(t, ingest, slice)) } : undefined),
  };
}

async function anyDone(trx: Kysely<Database>): Promise<boolean> {
  return (await trx.selectFrom('actions').select('id').where('status', '=', 'done').limit(1).executeTakeFirst()) !== undefined;
}

/** Reopens the done actions whose target is among a slice's values; answers their ids. */
export async function reopenReappeared(trx: Kysely<Database>, ev: Pick<IngestStart, 'ingestId' | 'org'>, slice: Pick<IngestSlice, 'objects' | 'lines'>): Promise<string[]> {
  const keys = [...new Set([...slice.objects.flatMap((p) => p.record.keys), ...(slice.lines ?? []).map(lineKey)])];
  const reopened: { id: string; created_by: string | null; target_key: string; org: string | null }[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    const part = keys.slice(i, i + CHUNK);
    const r = await sql<{ id: string; created_by: string | null; target_key: string; org: string | null }>`
      update actions a set status = 'reappeared', reappeared_at = now(), reopen_count = a.reopen_count + 1, updated_at = now()
      where a.status = 'done' and a.target_key = any(${sql.val(part)}::text[])
        and not exists (select 1 from cases k where k.id = a.case_id and k.le_org_id = ${ev.org.id})
      returning a.id, a.created_by, a.target_key, (select u.org_id::text from users u where u.id = a.created_by) as org`.execute(trx);
    reopened.push(...r.rows);
  }
  if (!reopened.length) return [];
  await trx
    .insertInto('action_events')
    .values(reopened.map((a) => ({ action_id: a.id, actor_user_id: null, from_status: 'done', to_status: 'reappeared', note: 'seen again in shared data', details: JSON.stringify({ ingest_id: ev.ingestId }) })))
    .execute();
  await writeDirectAlerts(
    trx,
    reopened
      .filter((a) => a.org)
      .map((a) => {
        const value = a.target_key.slice(a.target_key.indexOf(':') + 1).replace(/\./g, '[.]');
        return {
          orgId: a.org!,
          kind: 'action' as const,
          title: `Reappeared after takedown: ${value}`,
          body: { action: { id: a.id, status: 'reappeared', target: a.target_key } },
          mail: {
            en: { subject: `[Kessetsu] Reappeared after takedown: ${value}`, text: `The value ${value} was taken down and has appeared again in shared data. Action ${a.id} is reopened.\n\n-- Kessetsu` },
            ja: { subject: `【Kessetsu】テイクダウン後の再出現: ${value}`, text: `テイクダウン済みの ${value} が共有データに再び現れました。措置 ${a.id} を再開しました。\n\n-- Kessetsu（結節）` },
          },
          emailOrg: false,
        };
      }),
  );
  return reopened.map((a) => a.id);
}
