import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../app/api.ts';
import { ErrorBox, Loading, useLoad } from '../../app/ui.tsx';

/**
 * Hotline (issue 15): the operator queue and decisions need the hub's hotline API; until a hub has one,
 * the screen says so rather than showing an empty queue.
 */
export default function Hotline() {
  const { t } = useTranslation();
  const { error, loading } = useLoad((signal) => api<unknown>('/api/v1/hotline/reports?limit=1', { signal }), []);
  return (
    <>
      <h1>{t('hotline.title')}</h1>
      {loading ? <Loading /> : null}
      {error instanceof ApiError && error.status === 404 ? <p id="hotline-none">{t('hotline.noApi')}</p> : error ? <ErrorBox error={error} /> : !loading ? <p>{t('hotline.notYet')}</p> : null}
    </>
  );
}
