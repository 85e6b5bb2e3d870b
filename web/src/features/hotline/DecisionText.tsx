import { useTranslation } from 'react-i18next';
import { Data } from '../../app/ui.tsx';
import type { Entry } from './types.ts';

/** What an entry's decision says, in the reader's language. */
export function DecisionText({ e }: { e: Pick<Entry, 'classification' | 'legal_basis'> }) {
  const { t } = useTranslation();
  if (!e.classification) return <span className="muted">{t('hotline.undecided')}</span>;
  return (
    <>
      <strong>{t(`hotline.classes.${e.classification}`)}</strong>
      {e.legal_basis ? (
        <>
          {' — '}
          <Data>{e.legal_basis}</Data>
        </>
      ) : null}
    </>
  );
}
