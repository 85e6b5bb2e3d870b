import { useTranslation } from 'react-i18next';
import { Data, TlpBadge } from '../../app/ui.tsx';

/** One row of the dry run's preview (src/web/share.preview.ts). */
export interface PreviewItem {
  readonly id: string;
  readonly type: string;
  readonly value: string | null;
  readonly name: string | null;
  readonly pattern: string | null;
  readonly tlp: string;
  readonly warninglist: { list: string; name: string } | null;
  readonly known: { objects: number; org_count: number; sectors: string[] } | null;
}

/** The ingest report (POST /api/v1/ingest). */
export interface IngestReport {
  readonly id: string;
  readonly status: string;
  readonly counts: { objects: number; created: number; updated: number; unchanged: number; rejected: number };
  readonly warnings: { where: string; reason: string }[];
  readonly errors: { where: string; reason: string }[];
  readonly by_type?: Record<string, number>;
  readonly preview?: { items: PreviewItem[]; truncated: boolean };
}

/** What a share would create: each indicator and observable, its warninglist hit and whether it exists already. */
export function PreviewTable({ report }: { report: IngestReport }) {
  const { t } = useTranslation();
  const items = report.preview?.items ?? [];
  const hits = items.filter((i) => i.warninglist).length;
  const dupes = items.filter((i) => i.known).length;
  return (
    <>
      <p>{t('share.previewSummary', { count: report.counts.objects, hits, dupes })}</p>
      {items.length ? (
        <table className="preview">
          <thead>
            <tr>
              <th scope="col">{t('share.colType')}</th>
              <th scope="col">{t('share.colValue')}</th>
              <th scope="col">{t('share.colTlp')}</th>
              <th scope="col">{t('share.colWarninglist')}</th>
              <th scope="col">{t('share.colKnown')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id} className={i.warninglist ? 'warn' : ''}>
                <td>{t(`stixTypes.${i.type}`, { defaultValue: i.type })}</td>
                <td>
                  <Data className="mono">{i.value ?? i.pattern ?? i.name ?? i.id}</Data>
                </td>
                <td>
                  <TlpBadge tlp={i.tlp} />
                </td>
                <td>{i.warninglist ? <Data>{i.warninglist.name}</Data> : '—'}</td>
                <td>{i.known ? t('share.knownBy', { count: i.known.org_count }) : t('share.new')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {report.preview?.truncated ? <p className="muted">{t('share.truncated')}</p> : null}
      {report.warnings.length ? (
        <details>
          <summary>{t('share.warnings', { count: report.warnings.length })}</summary>
          <ul>
            {report.warnings.map((w, n) => (
              <li key={n}>
                <Data>
                  {w.where}: {w.reason}
                </Data>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}
