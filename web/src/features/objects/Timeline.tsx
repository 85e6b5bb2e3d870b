import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../app/format.ts';
import { Data } from '../../app/ui.tsx';
import type { ObjectDetail } from './ObjectPage.tsx';

interface Event {
  readonly at: string;
  readonly kind: 'created' | 'version' | 'reported' | 'lastSeen';
  readonly who?: string;
}

/** Everything dated about an object on one line of time: creation, versions, first and last reports. */
export function Timeline({ detail }: { detail: ObjectDetail }) {
  const { t } = useTranslation();
  const events: Event[] = [];
  const created = detail.object.created;
  if (typeof created === 'string') events.push({ at: created, kind: 'created' });
  for (const v of detail.versions) if (v.modified && v.modified !== created) events.push({ at: v.modified, kind: 'version' });
  for (const c of detail.contributions) {
    const who = c.organisation.id ? c.organisation.name : undefined;
    events.push({ at: c.first_seen, kind: 'reported', ...(who ? { who } : {}) });
    if (c.last_seen !== c.first_seen) events.push({ at: c.last_seen, kind: 'lastSeen', ...(who ? { who } : {}) });
  }
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  if (!events.length) return <p className="muted">{t('object.noEvents')}</p>;
  const first = Date.parse(events[0]!.at);
  const span = Math.max(1, Date.parse(events[events.length - 1]!.at) - first);
  return (
    <ol className="timeline">
      {events.map((e, n) => (
        <li key={n} style={{ ['--pos' as string]: `${((Date.parse(e.at) - first) / span) * 100}%` }}>
          <time dateTime={e.at}>{formatDateTime(e.at)}</time> {t(`timeline.${e.kind}`)}
          {e.who ? (
            <>
              {' '}
              <Data>{e.who}</Data>
            </>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
