/** Categories a report may name (the hotline's published scope). */
export const HOTLINE_CATEGORIES = ['csam', 'obscenity', 'drugs', 'fraud_phishing', 'malware', 'harmful', 'other'] as const;
/** One report category. */
export type HotlineCategory = (typeof HOTLINE_CATEGORIES)[number];

/** A category's names, guidance, triage priority and the legal bases operators usually cite. */
export interface CategoryInfo {
  readonly ja: string;
  readonly en: string;
  /** Shown next to the form: what to send and, above all, what not to send. */
  readonly guidance: { readonly ja: string; readonly en: string };
  /** Higher first in triage. */
  readonly priority: number;
  /** Reports of it also become indicators shared with members (TLP:GREEN). */
  readonly indicator: 'phishing' | 'malicious-activity' | null;
  readonly legalBases: readonly string[];
}

const NOT_THE_MATERIAL_JA = '画像・動画・ファイルそのものは絶対に送らないでください。URLだけをお知らせください。';
const NOT_THE_MATERIAL_EN = 'Never send the images, videos or files themselves — only the URL.';

/** Every category, in the order the form shows them. */
export const CATEGORY_INFO: Readonly<Record<HotlineCategory, CategoryInfo>> = {
  csam: {
    ja: '児童ポルノ（児童の性的搾取画像）',
    en: 'Child sexual abuse material',
    guidance: { ja: `${NOT_THE_MATERIAL_JA} 保存・転送・スクリーンショットも違法となる場合があります。`, en: `${NOT_THE_MATERIAL_EN} Saving, forwarding or screenshotting it may itself be a crime.` },
    priority: 100,
    indicator: null,
    legalBases: ['児童買春・児童ポルノ禁止法 第7条 (Act on Punishment of Child Prostitution and Child Pornography, art. 7)'],
  },
  harmful: {
    ja: '有害情報（自殺誘引・犯罪勧誘など）',
    en: 'Harmful information (suicide solicitation, crime solicitation, …)',
    guidance: { ja: `${NOT_THE_MATERIAL_JA} 命に関わる緊急の場合は110番または119番へ。`, en: `${NOT_THE_MATERIAL_EN} If a life is at risk now, call 110 or 119.` },
    priority: 90,
    indicator: null,
    legalBases: ['刑法 第202条 自殺関与 (Penal Code art. 202)', '違法・有害情報への対応等に関する契約約款モデル (model terms on illegal and harmful information)', '闇サイト等の犯罪勧誘 (solicitation of crime; Penal Code art. 61)'],
  },
  malware: {
    ja: '不正アクセス・マルウェア配布',
    en: 'Unauthorised access and malware distribution',
    guidance: { ja: `${NOT_THE_MATERIAL_JA} ファイルをダウンロードしないでください。`, en: `${NOT_THE_MATERIAL_EN} Do not download the file.` },
    priority: 70,
    indicator: 'malicious-activity',
    legalBases: ['刑法 第168条の2 不正指令電磁的記録 (Penal Code art. 168-2)', '不正アクセス禁止法 第3条・第7条 (Unauthorized Computer Access Act)'],
  },
  fraud_phishing: {
    ja: '詐欺・フィッシング',
    en: 'Fraud and phishing',
    guidance: { ja: 'パスワードやカード番号を入力しないでください。URLだけをお知らせください。', en: 'Do not enter passwords or card numbers. Send only the URL.' },
    priority: 70,
    indicator: 'phishing',
    legalBases: ['刑法 第246条 詐欺 (Penal Code art. 246)', '不正アクセス禁止法 第7条 フィッシング (Unauthorized Computer Access Act art. 7)'],
  },
  drugs: {
    ja: '違法薬物',
    en: 'Illegal drugs',
    guidance: { ja: NOT_THE_MATERIAL_JA, en: NOT_THE_MATERIAL_EN },
    priority: 50,
    indicator: null,
    legalBases: ['麻薬特例法 第9条 あおり・唆し (Anti-Drug Special Provisions Law art. 9)', '覚醒剤取締法 (Stimulants Control Act)', '大麻草の栽培の規制に関する法律 (Cannabis Act)'],
  },
  obscenity: {
    ja: 'わいせつ物',
    en: 'Obscenity',
    guidance: { ja: NOT_THE_MATERIAL_JA, en: NOT_THE_MATERIAL_EN },
    priority: 30,
    indicator: null,
    legalBases: ['刑法 第175条 わいせつ物頒布等 (Penal Code art. 175)'],
  },
  other: {
    ja: 'その他',
    en: 'Other',
    guidance: { ja: NOT_THE_MATERIAL_JA, en: NOT_THE_MATERIAL_EN },
    priority: 10,
    indicator: null,
    legalBases: [],
  },
};

/** True when the string is a known category. */
export function isCategory(s: unknown): s is HotlineCategory {
  return typeof s === 'string' && (HOTLINE_CATEGORIES as readonly string[]).includes(s);
}
