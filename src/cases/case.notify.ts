import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { STATE_EN, STATE_JA, outcomeKinds, type CaseOutcome } from './case.states.ts';
import { caseContributors, type CaseRow } from './cases.repository.ts';
import { writeDirectAlerts, type BilingualMail } from './notice.writer.ts';

const KIND_JA: Readonly<Record<string, string>> = { arrests: '検挙', seizures: '押収', takedowns: 'テイクダウン', no_action: '措置なし' };

/** What a contributor learns of a case: its number, state and (once closed) the kind of outcome; details only when released. */
export function contributorView(row: CaseRow) {
  const outcome = row.outcome as CaseOutcome | null;
  return {
    id: row.id,
    number: row.number,
    state: row.state,
    outcome: row.state === 'closed' && outcome ? (row.released ? { kinds: outcomeKinds(outcome), ...outcome } : { kinds: outcomeKinds(outcome) }) : null,
    released: row.released,
    title: row.released ? row.title : null,
    updated_at: row.updated_at.toISOString(),
  };
}

function mailOf(row: CaseRow): BilingualMail {
  const v = contributorView(row);
  const kinds = v.outcome?.kinds ?? [];
  const en = [
    `A case that your organisation's shared information contributed to has changed state.`,
    '',
    `Case: ${row.number}`,
    `State: ${STATE_EN[row.state]}`,
    ...(kinds.length ? [`Outcome: ${kinds.join(', ')}`] : []),
    ...(v.title ? [`Title: ${v.title}`] : []),
    '',
    'Investigation details stay with law enforcement unless released. Thank you for sharing.',
    '',
    '-- Kessetsu',
  ].join('\n');
  const ja = [
    '貴組織が共有した情報が寄与した事案の状況が更新されました。',
    '',
    `事案番号: ${row.number}`,
    `状況: ${STATE_JA[row.state]}`,
    ...(kinds.length ? [`結果: ${kinds.map((k) => KIND_JA[k] ?? k).join('、')}`] : []),
    ...(v.title ? [`件名: ${v.title}`] : []),
    '',
    '捜査の詳細は公開されるまで警察にとどまります。情報共有にご協力いただきありがとうございます。',
    '',
    '-- Kessetsu（結節）',
  ].join('\n');
  return {
    en: { subject: `[Kessetsu] Case ${row.number}: ${STATE_EN[row.state]}`, text: en },
    ja: { subject: `【Kessetsu】事案 ${row.number}: ${STATE_JA[row.state]}`, text: ja },
  };
}

/**
 * Tells every organisation whose contributions fed the case (not the police, not the hub) of its
 * new state, in the transaction that changed it: inbox, live stream and e-mail to its people.
 * @example await notifyContributors(trx, caseRow)
 */
export async function notifyContributors(trx: Kysely<Database>, row: CaseRow): Promise<number> {
  const orgs = (await caseContributors(trx, row.id)).filter((c) => c.org_id !== row.le_org_id && c.kind !== 'hub');
  const mail = mailOf(row);
  await writeDirectAlerts(
    trx,
    orgs.map((o) => ({ orgId: o.org_id, kind: 'case' as const, title: mail.en.subject.replace('[Kessetsu] ', ''), body: { case: contributorView(row) }, mail, emailOrg: true })),
  );
  return orgs.length;
}
