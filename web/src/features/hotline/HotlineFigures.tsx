import { useTranslation } from 'react-i18next';
import { api } from '../../app/api.ts';
import { formatNumber } from '../../app/format.ts';
import { useLoad } from '../../app/ui.tsx';

interface Figures {
  readonly reports: { readonly total: number };
  readonly removal: { readonly overall: { readonly requested: number; readonly removed: number; readonly deletion_rate: number; readonly median_hours_to_removal: number | null } };
}

/** The hotline's figures in one line: reports received, deletion requests, removals and the deletion rate. */
export function HotlineFigures() {
  const { t } = useTranslation();
  const { data } = useLoad((signal) => api<Figures>('/api/v1/hotline/stats', { signal }), []);
  if (!data) return null;
  const o = data.removal.overall;
  return (
    <p id="hotline-figures">
      {t('hotline.figures', { reports: formatNumber(data.reports.total), requested: formatNumber(o.requested), removed: formatNumber(o.removed), rate: formatNumber(Math.round(o.deletion_rate * 100)) })}
      {o.median_hours_to_removal !== null ? ` ${t('hotline.medianHours', { hours: formatNumber(o.median_hours_to_removal) })}` : ''}
    </p>
  );
}
