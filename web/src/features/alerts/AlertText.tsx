import type { TFunction } from 'i18next';
import { Fragment, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Data } from '../../app/ui.tsx';
import type { InboxItem } from '../common/types.ts';

// The hub writes an alert's title and its reasons in English (for e-mail and machines); the interface
// says them in the reader's language from the alert's kind and facts, and shows only values as data.
const REASONS: readonly [RegExp, string, (m: RegExpExecArray, t: TFunction) => Record<string, string | number>, readonly string[]][] = [
  [/^brand "(.*)"$/s, 'brand', (m) => ({ keyword: m[1]! }), ['keyword']],
  [/^host address in (.*)$/s, 'hostAddress', (m) => ({ range: m[1]! }), ['range']],
  [/^address in (.*)$/s, 'address', (m) => ({ range: m[1]! }), ['range']],
  [/^domain (.*)$/s, 'domain', (m) => ({ domain: m[1]! }), ['domain']],
  [/^AS(\d+)$/, 'asn', (m) => ({ asn: m[1]! }), ['asn']],
  [/^sector targeted$/, 'sector', () => ({}), []],
  [/^new (.*) indicator$/s, 'newIndicator', (m, t) => ({ type: t(`stixTypes.${m[1]}`, { defaultValue: m[1] }) }), []],
  [/^related to (.*)$/s, 'related', (m) => ({ group: m[1]! }), ['group']],
  [/^sighted (\d+) time\(s\)$/, 'sighted', (m) => ({ count: Number(m[1]) }), []],
  [/^priority (\S+) ≥ (\S+)$/, 'priority', (m) => ({ priority: m[1]!, threshold: m[2]! }), []],
  [/^published$/, 'published', () => ({}), []],
];

const MARK = '\u0001';

/**
 * A translated sentence whose named values are data (names, ranges, keywords): they are shown
 * marked translate="no", never as interface text.
 * @example sayWithData(t, 'alertReasons.brand', { keyword: 'momiji' }, ['keyword'])
 */
export function sayWithData(t: TFunction, key: string, values: Record<string, string | number>, data: readonly string[]): ReactNode {
  const marked: Record<string, string | number> = { ...values };
  for (const d of data) marked[d] = `${MARK}${d}${MARK}`;
  const text = String(t(key, marked));
  return text.split(MARK).map((part, i) => (i % 2 === 1 && data.includes(part) ? <Data key={i}>{String(values[part] ?? '')}</Data> : <Fragment key={i}>{part}</Fragment>));
}

/** A reason of a match in the reader's language; null when the hub sent one the interface does not know. */
export function reasonText(t: TFunction, reason: string): ReactNode | null {
  for (const [re, key, values, data] of REASONS) {
    const m = re.exec(reason);
    if (m) return sayWithData(t, `alertReasons.${key}`, values(m, t), data);
  }
  return null;
}

/** Why a value matched: translated, or (an unknown reason) the hub's words marked as data. */
export function Reason({ reason }: { reason: string }) {
  const { t } = useTranslation();
  const said = reasonText(t, reason);
  return said === null ? <Data className="muted">{reason}</Data> : <span className="muted">{said}</span>;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v ? v : null;
}

/** An alert's one-line title in the reader's language: what kind of news, then the value it is about. */
export function AlertTitle({ item }: { item: InboxItem }) {
  const { t, i18n } = useTranslation();
  const a = item.alert;
  const details = (a.details ?? {}) as Record<string, unknown>;
  if (item.kind === 'case' && a.case && typeof a.case === 'object') {
    const c = a.case as { number?: string; state?: string };
    return <>{sayWithData(t, 'alertTitles.case', { number: c.number ?? '', state: t(`cases.states.${c.state ?? 'proposed'}`) }, ['number'])}</>;
  }
  if ((item.kind === 'action' || item.kind === 'notice') && a.action && typeof a.action === 'object') {
    const x = a.action as { target?: string; status?: string };
    const value = (x.target ?? '').slice((x.target ?? '').indexOf(':') + 1);
    // A notice is the copy of a request addressed to the reader's organisation (a takedown, a freeze).
    const title = item.kind === 'notice' ? 'alertTitles.notice' : `alertTitles.action_${x.status === 'reappeared' ? 'reappeared' : 'other'}`;
    return (
      <>
        {t(title)} <Data className="mono">{value}</Data>
      </>
    );
  }
  const first = a.matches?.[0];
  let subject: string | null = first ? (first.display ?? first.value) : null;
  if (item.kind === 'advisory') subject = (i18n.language === 'ja' ? str(details.title_ja) : str(details.title_en)) ?? str(details.title_en) ?? str(details.title_ja) ?? subject;
  if (item.kind === 'cluster_priority') subject = str(details.name) ?? str(details.cluster_id) ?? subject;
  const brand = item.kind === 'asset' && first?.reason.startsWith('brand ');
  const more = (a.total ?? 0) - 1;
  return (
    <>
      {t(brand ? 'alertTitles.brand' : `alertTitles.${item.kind}`, { defaultValue: item.kind })}
      {subject ? (
        <>
          {': '}
          <Data className="mono">{subject}</Data>
        </>
      ) : null}
      {more > 0 ? <> {t('alertTitles.more', { count: more })}</> : null}
    </>
  );
}
