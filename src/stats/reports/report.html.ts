import { formatNumber, type Lang } from '../change.phrase.ts';
import { barChart, lineChart } from '../chart.svg.ts';
import type { SeriesView } from '../series.view.ts';
import type { ReportData } from './report.data.ts';

// The report as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched), in
// Japanese or English; the same page is printed to PDF.

const T = {
  en: {
    monthly: 'Monthly report',
    annual: 'Annual report',
    half_year: 'Half-year report',
    hub: 'Kessetsu fusion center',
    generated: 'Generated',
    headlines: 'The period in figures',
    details: 'By category',
    trends: 'Trends',
    published: 'Published statistics',
    rootSources: 'Top root sources',
    priorities: 'Top priorities',
    notYet: 'Not yet counted on this hub',
    none: 'Nothing in this period.',
    value: 'Value',
    category: 'Category',
    score: 'Score',
    evidence: 'Evidence',
    cluster: 'Cluster',
    damage: 'Damage',
    orgs: 'organisations',
    incidents: 'incidents',
    malware: 'malware',
    referral: 'referral candidate',
    source: 'Source',
    asOf: 'Ranked as of the end of the period, over what the reader may see.',
  },
  ja: {
    monthly: '月次報告',
    annual: '年次報告',
    half_year: '半期報告',
    hub: '結節 フュージョンセンター',
    generated: '作成日時',
    headlines: '期間の概況',
    details: '区分別の内訳',
    trends: '推移',
    published: '公表統計',
    rootSources: '主要な根源インフラ',
    priorities: '優先度の高いクラスタ',
    notYet: '本ハブで未集計の項目',
    none: 'この期間の該当はありません。',
    value: '値',
    category: '区分',
    score: 'スコア',
    evidence: '根拠',
    cluster: 'クラスタ',
    damage: '被害',
    orgs: '組織',
    incidents: 'インシデント',
    malware: 'マルウェア',
    referral: '送致候補',
    source: '出典',
    asOf: '期間末時点の順位（閲覧者が見られる情報の範囲）。',
  },
} as const;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function periodTitle(d: ReportData, lang: Lang): string {
  const p = d.period;
  if (lang === 'ja') {
    if (p.kind === 'month') return `${p.year}年${Number(p.text.slice(5, 7))}月`;
    if (p.kind === 'fiscal_year') return `${p.year}年度`;
    if (p.kind === 'half_year') return `${p.year}年${p.text.endsWith('H1') ? '上半期' : '下半期'}`;
    return `${p.year}年`;
  }
  if (p.kind === 'month') return new Date(`${p.start}T00:00:00Z`).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  if (p.kind === 'fiscal_year') return `Fiscal year ${p.year} (April ${p.year} – March ${p.year + 1})`;
  if (p.kind === 'half_year') return `${p.text.endsWith('H1') ? 'First' : 'Second'} half of ${p.year}`;
  return String(p.year);
}

function trendChart(v: SeriesView, lang: Lang): string {
  const cats = v.categories.filter((c) => v.values.some((x) => x.category === c.key && x.value !== 0)).slice(0, 8);
  const lines = cats.map((c) => ({ label: c.label[lang] || c.key, values: v.periods.map((p) => v.values.find((x) => x.category === c.key && x.period === p)?.value ?? null) }));
  if (lines.length === 0) return `<h3>${esc(v.title[lang])}</h3><p class="muted">${esc(T[lang].none)}</p>`;
  return lineChart({ title: v.title[lang], periods: v.periods, lines });
}

function publishedBlock(v: SeriesView, period: string, lang: Lang): string {
  const rows = v.values.filter((x) => x.period === period);
  const label = (k: string): string => v.categories.find((c) => c.key === k)?.label[lang] || (k === 'total' ? (lang === 'ja' ? '合計' : 'Total') : k);
  const depth = (k: string): number => {
    let n = 0;
    for (let c = v.categories.find((x) => x.key === k); c?.parent; c = v.categories.find((x) => x.key === c!.parent)) n++;
    return n;
  };
  // Bars: the finest categories that are not parts of another one ("of which" parts stay inside their whole).
  const kind = (k: string): string | undefined => v.categories.find((c) => c.key === k)?.aggregate;
  const parentOf = (k: string): string | null => v.categories.find((c) => c.key === k)?.parent ?? null;
  const leaves = rows.filter((r) => {
    if (r.category === 'total' || kind(parentOf(r.category) ?? '') === 'of_which') return false;
    return kind(r.category) === 'of_which' || !v.categories.some((c) => c.parent === r.category);
  });
  const chart = leaves.length > 1 ? barChart({ title: `${v.title[lang]} (${period})`, bars: [...leaves].sort((a, b) => b.value - a.value).map((r) => ({ label: label(r.category), value: r.value })) }) : '';
  return `<h3>${esc(v.title[lang])}</h3>
<table><thead><tr><th>${T[lang].category}</th><th>${T[lang].value}</th></tr></thead><tbody>
${rows.map((r) => `<tr><td style="padding-left:${0.4 + depth(r.category)}em">${esc(label(r.category))}</td><td>${esc(r.text[lang])}</td></tr>`).join('\n')}
</tbody></table>
<p class="muted">${T[lang].source}: ${esc(v.source)}</p>${chart}`;
}

/**
 * Renders a report as a standalone HTML page.
 * @example const html = renderReportHtml(await gatherReport(…), 'ja')
 */
export function renderReportHtml(d: ReportData, lang: Lang): string {
  const t = T[lang];
  const title = `${t[d.kind]} — ${periodTitle(d, lang)}`;
  const headlines = d.headlines.length
    ? `<ul class="headlines">${d.headlines.map((h) => `<li><strong>${esc(h.label[lang])}</strong>: ${esc(h.text[lang])}</li>`).join('')}</ul>`
    : `<p class="muted">${t.none}</p>`;
  const details = d.details
    .map((x) => `<h3>${esc(x.title[lang])}</h3><table><thead><tr><th>${t.category}</th><th>${t.value}</th></tr></thead><tbody>${x.rows
      .map((r) => `<tr><td>${esc(r.label[lang] || r.category)}</td><td>${esc(r.text[lang])}</td></tr>`)
      .join('')}</tbody></table>`)
    .join('\n');
  const roots = d.rootSources.length
    ? `<table><thead><tr><th>#</th><th>${t.value}</th><th>${t.score}</th><th>${t.evidence}</th></tr></thead><tbody>${d.rootSources
        .map((r, i) => `<tr><td>${i + 1}</td><td><code>${esc(r.value.slice(0, 120))}</code> <span class="muted">${esc(r.kind)}</span></td><td>${formatNumber(r.score)}</td><td>${formatNumber(r.evidence.incidents)} ${t.incidents}, ${formatNumber(r.evidence.malware)} ${t.malware}, ${formatNumber(r.evidence.organisations)} ${t.orgs}${r.evidence.sectors.length ? ` (${esc(r.evidence.sectors.join(', '))})` : ''}</td></tr>`)
        .join('')}</tbody></table>`
    : `<p class="muted">${t.none}</p>`;
  const prios = d.priorities.length
    ? `<table><thead><tr><th>${t.cluster}</th><th>${t.score}</th><th>${t.damage}</th><th>${t.orgs}</th></tr></thead><tbody>${d.priorities
        .map((c) => `<tr><td>#${c.id}${c.referral_candidate ? ` <span class="tag">${t.referral}</span>` : ''}</td><td>${formatNumber(c.score)}</td><td>¥${formatNumber(c.damage.amount_jpy)}</td><td>${formatNumber(c.organisations)}${c.sectors.length ? ` (${esc(c.sectors.join(', '))})` : ''}</td></tr>`)
        .join('')}</tbody></table>`
    : `<p class="muted">${t.none}</p>`;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
@page { size: A4; margin: 16mm 14mm; }
body { font-family: 'IPAPGothic', 'IPAGothic', 'Noto Sans CJK JP', 'Hiragino Sans', sans-serif; font-size: 11pt; color: #222; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 18pt; margin: 0 0 2mm; } h2 { font-size: 13pt; border-bottom: 1px solid #1f5fa8; margin-top: 8mm; } h3 { font-size: 11.5pt; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; } th, td { border-bottom: 1px solid #ddd; padding: 1mm 2mm; text-align: left; vertical-align: top; font-size: 10pt; }
.muted { color: #666; font-size: 9pt; } .tag { background: #fde2e1; color: #a00; padding: 0 1mm; font-size: 8.5pt; }
.headlines li { margin: 1.5mm 0; } svg { max-width: 100%; height: auto; display: block; margin: 3mm 0; page-break-inside: avoid; } code { font-size: 9pt; word-break: break-all; }
</style></head><body>
<header><p class="muted">${t.hub}</p><h1>${esc(title)}</h1><p class="muted">${t.generated}: ${esc(d.generatedAt.toISOString())} · ${esc(d.period.start)} – ${esc(d.period.end)}</p></header>
<section><h2>${t.headlines}</h2>${headlines}</section>
${details ? `<section><h2>${t.details}</h2>${details}</section>` : ''}
<section><h2>${t.trends}</h2>${d.trends.map((v) => trendChart(v, lang)).join('\n')}</section>
${d.published.length ? `<section><h2>${t.published}</h2>${d.published.map((p) => publishedBlock(p.view, p.period, lang)).join('\n')}</section>` : ''}
<section><h2>${t.rootSources}</h2><p class="muted">${t.asOf}</p>${roots}</section>
<section><h2>${t.priorities}</h2>${prios}</section>
${d.notYet.length ? `<section><h2>${t.notYet}</h2><ul>${d.notYet.map((n) => `<li>${esc(n[lang])}</li>`).join('')}</ul></section>` : ''}
</body></html>
`;
}
