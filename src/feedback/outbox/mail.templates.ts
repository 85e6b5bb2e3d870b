import type { Tlp } from '../../db/schema.ts';
import { TLP_LEVELS } from '../../trust/tlp.ts';
import type { AlertBody } from '../subscriptions/alert.draft.ts';
import type { SubscriptionKind } from '../feedback.tables.ts';

/** Languages of e-mails and public pages. */
export type Lang = 'ja' | 'en';

/** An alert as an e-mail: subject and plain-text body. */
export interface MailContent {
  readonly subject: string;
  readonly text: string;
}

const HEADINGS: Readonly<Record<Lang, Readonly<Record<SubscriptionKind, string>>>> = {
  en: {
    asset: 'Shared data concerns your assets or imitates your brand',
    sector: 'Activity targeting your sector was reported',
    indicator: 'New indicators were shared',
    shared_sighting: 'What you shared was sighted',
    advisory: 'An advisory was published',
    cluster_priority: 'A cluster crossed your priority threshold',
  },
  ja: {
    asset: '貴組織の資産またはブランドを模倣した情報が共有されました',
    sector: '貴組織の業界を標的とする活動が報告されました',
    indicator: '新しい指標（IoC）が共有されました',
    shared_sighting: '貴組織が共有した情報が観測されました',
    advisory: '注意喚起が公開されました',
    cluster_priority: 'クラスタの優先度がしきい値を超えました',
  },
};

const JA_REASONS: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/^brand "(.*)"$/s, (m) => `ブランド「${m[1]}」の模倣`],
  [/^(host )?address in (.*)$/s, (m) => `アドレス範囲 ${m[2]} 内`],
  [/^domain (.*)$/s, (m) => `ドメイン ${m[1]} 配下`],
  [/^AS(\d+)$/, (m) => `AS${m[1]}`],
  [/^sector targeted$/, () => '業界を標的'],
  [/^new (.*) indicator$/s, (m) => `新しい ${m[1]} の指標`],
  [/^related to (.*)$/s, (m) => `${m[1]} に関連`],
  [/^sighted (\d+) time\(s\)$/, (m) => `${m[1]} 回観測`],
];

function reasonIn(lang: Lang, reason: string): string {
  if (lang === 'en') return reason;
  for (const [re, f] of JA_REASONS) {
    const m = re.exec(reason);
    if (m) return f(m);
  }
  return reason;
}

/** The strictest TLP among the matches: the marking of the whole message. */
export function strictestTlp(body: AlertBody): Tlp | null {
  let rank = -1;
  for (const m of body.matches) if (m.tlp) rank = Math.max(rank, TLP_LEVELS.indexOf(m.tlp));
  return rank < 0 ? null : TLP_LEVELS[rank]!;
}

// Values in e-mail are defanged: a mail client must not turn a phishing URL into a link.
function defang(v: string): string {
  return v.replace(/^http/i, 'hxxp').replace(/\./g, '[.]');
}

/**
 * An alert as an e-mail in the recipient's language (Japanese or English), marked with the
 * strictest TLP of what it lists; URLs and domains defanged.
 * @example renderAlertMail('ja', alert.title, alert.body)
 */
export function renderAlertMail(lang: Lang, title: string, body: AlertBody): MailContent {
  const tlp = strictestTlp(body);
  const mark = tlp ? `[TLP:${tlp.toUpperCase()}] ` : '';
  const heading = HEADINGS[lang][body.kind];
  const lines: string[] = [tlp ? `TLP:${tlp.toUpperCase()}` : '', heading, ''];
  if (lang === 'ja') lines.push(`購読: ${body.subscription.name}`);
  else lines.push(`Subscription: ${body.subscription.name}`);
  if (body.contributor) {
    const who = body.contributor.name ?? (lang === 'ja' ? `匿名の組織（${body.contributor.sector ?? '不明'}）` : `an organisation (${body.contributor.sector ?? 'unknown sector'})`);
    lines.push(lang === 'ja' ? `提供元: ${who}` : `Shared by: ${who}`);
  }
  lines.push('');
  for (const m of body.matches) lines.push(`- ${defang(m.value)}${m.display ? ` 〔${defang(m.display)}〕` : ''}  (${reasonIn(lang, m.reason)}${m.tlp ? `, TLP:${m.tlp.toUpperCase()}` : ''})`);
  if (body.truncated) lines.push(lang === 'ja' ? `ほか ${body.total - body.matches.length} 件` : `and ${body.total - body.matches.length} more`);
  const counted = body.details.counted_only;
  if (typeof counted === 'number') lines.push(lang === 'ja' ? `詳細非開示の観測: ${counted} 件` : `Sightings not shared with you in detail: ${counted}`);
  if (body.kind === 'advisory') lines.push(String((lang === 'ja' ? body.details.title_ja || body.details.title_en : body.details.title_en || body.details.title_ja) ?? ''));
  lines.push('', lang === 'ja' ? '-- Kessetsu（結節）' : '-- Kessetsu');
  const subject = lang === 'ja' ? `${mark}【Kessetsu】${heading}` : `${mark}[Kessetsu] ${title}`;
  return { subject: subject.slice(0, 300), text: lines.filter((l, i) => i > 0 || l !== '').join('\n') };
}
