import i18n from '../i18n/index.ts';

/** The browser's time zone: every date is shown in it. */
export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A date and time in the user's time zone and language, with the zone's short name. */
export function formatDateTime(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return '—';
  // dateStyle/timeStyle cannot be combined with timeZoneName, hence the fields one by one.
  return new Intl.DateTimeFormat(i18n.language === 'ja' ? 'ja-JP' : 'en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: TIME_ZONE, timeZoneName: 'short' }).format(d);
}

/** A number in the user's language. */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(i18n.language === 'ja' ? 'ja-JP' : 'en-GB', { maximumFractionDigits: 2 }).format(n);
}
