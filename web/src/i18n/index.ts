import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.ts';
import ja from './ja.ts';

/** The two languages of the interface. */
export type Lang = 'ja' | 'en';
const STORE = 'kessetsu.lang';

/** Keys asked for but missing in the dictionaries (the browser tests read this). */
export const missingKeys = new Set<string>();

/** The stored choice, else the first of ja/en among the browser's preferred languages, else English. */
export function detectLanguage(): Lang {
  const stored = localStorage.getItem(STORE);
  if (stored === 'ja' || stored === 'en') return stored;
  for (const l of navigator.languages ?? [navigator.language]) {
    if (l.toLowerCase().startsWith('ja')) return 'ja';
    if (l.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

/** Switches the language, remembers it, and marks the document's language for screen readers. */
export function setLanguage(lang: Lang): void {
  localStorage.setItem(STORE, lang);
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}

const initial = detectLanguage();
document.documentElement.lang = initial;
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ja: { translation: ja } },
  lng: initial,
  fallbackLng: false,
  interpolation: { escapeValue: false },
  returnNull: false,
  saveMissing: true,
  missingKeyHandler: (_lngs, _ns, key) => {
    missingKeys.add(key);
  },
});
(window as unknown as { __kessetsuMissingKeys: Set<string> }).__kessetsuMissingKeys = missingKeys;

export default i18n;
