import { useTranslation } from 'react-i18next';
import { setLanguage, type Lang } from '../i18n/index.ts';

/** The language switch on every page: each language named in itself. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const current = i18n.language as Lang;
  return (
    <div role="group" aria-label={t('app.language')} className="lang">
      {(['ja', 'en'] as const).map((lang) => (
        <button key={lang} type="button" lang={lang} translate="no" aria-pressed={current === lang} onClick={() => setLanguage(lang)} data-lang={lang}>
          {lang === 'ja' ? '日本語' : 'English'}
        </button>
      ))}
    </div>
  );
}
