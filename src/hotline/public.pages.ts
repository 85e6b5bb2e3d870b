import { CATEGORY_INFO, HOTLINE_CATEGORIES } from './categories.ts';
import { MAX_CONTACT, MAX_DESCRIPTION, type FieldProblem, type PublicStatus, type Receipt } from './reports.service.ts';

/** Language of a public page. */
export type Lang = 'ja' | 'en';

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const T = {
  ja: {
    title: 'インターネット・ホットライン 通報窓口',
    intro: '違法・有害情報を掲載しているURLを通報してください。アカウントは不要です。内容そのもの（画像・ファイル・スクリーンショット）は送らないでください。',
    urls: '通報するURL（1行に1つ、最大20件）',
    category: '分類',
    description: '説明（どのページのどこにあるか。内容そのものは書かないでください）',
    contact: '連絡先（任意。メールアドレスなど）',
    submit: '通報する',
    thanks: '通報を受け付けました',
    receipt: '受付番号',
    keep: 'この番号で対応状況を確認できます。',
    check: '対応状況を確認',
    problems: '通報を受け付けられませんでした:',
    status: { received: '受付済み', under_review: '確認中', action_taken: '対応中（削除依頼・通報済み）', removed: '削除を確認', not_actionable: '対応対象外' },
    unknown: 'この受付番号は見つかりません。',
    tooMany: '短時間に多くの通報がありました。しばらくしてから再度お試しください。',
    pow: 'この窓口は送信前にブラウザで小さな計算を行います（JavaScriptが必要です）。',
    other: 'English',
  },
  en: {
    title: 'Internet Hotline — report illegal or harmful content',
    intro: 'Report URLs that carry illegal or harmful content. No account is needed. Do not send the content itself (images, files, screenshots).',
    urls: 'URLs to report (one per line, at most 20)',
    category: 'Category',
    description: 'Description (where on the page; do not copy the content itself)',
    contact: 'Contact (optional, e.g. an e-mail address)',
    submit: 'Send report',
    thanks: 'Your report was received',
    receipt: 'Receipt number',
    keep: 'Keep this number to follow the status of your report.',
    check: 'Check status',
    problems: 'The report could not be accepted:',
    status: { received: 'Received', under_review: 'Under review', action_taken: 'Action taken (deletion requested or reported)', removed: 'Removal confirmed', not_actionable: 'Not actionable' },
    unknown: 'This receipt number is unknown.',
    tooMany: 'Too many reports from your address in a short time. Please try again later.',
    pow: 'This form does a small computation in your browser before sending (JavaScript needed).',
    other: '日本語',
  },
} as const;

function page(lang: Lang, body: string): string {
  const t = T[lang];
  const other = lang === 'ja' ? 'en' : 'ja';
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>${esc(t.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}label{display:block;margin-top:1rem;font-weight:600}textarea,input,select{width:100%;box-sizing:border-box;font:inherit}.hp{position:absolute;left:-10000px}.err{color:#a00}.guide{font-size:.9em;color:#444}</style>
</head><body><p><a href="/hotline?lang=${other}" lang="${other}">${esc(t.other)}</a></p><main><h1>${esc(t.title)}</h1>
${body}</main></body></html>`;
}

/** The form's fields as the reporter filled them (shown again, escaped, with the problems). */
export interface FormValues {
  readonly urls?: string | undefined;
  readonly category?: string | undefined;
  readonly description?: string | undefined;
  readonly contact?: string | undefined;
}

/**
 * The public report form: plain HTML, works without JavaScript; the honeypot field is hidden from
 * people; with a proof-of-work a small script solves the challenge before sending.
 */
export function formPage(lang: Lang, o: { values?: FormValues; problems?: readonly FieldProblem[]; pow?: { challenge: string; bits: number } | undefined } = {}): string {
  const t = T[lang];
  const v = o.values ?? {};
  const problems = o.problems?.length ? `<div class="err" role="alert"><p>${esc(t.problems)}</p><ul>${o.problems.map((p) => `<li>${esc(p.field)}: ${esc(p.reason)}</li>`).join('')}</ul></div>` : '';
  const options = HOTLINE_CATEGORIES.map((c) => `<option value="${c}"${v.category === c ? ' selected' : ''}>${esc(CATEGORY_INFO[c][lang])}</option>`).join('');
  const guidance = HOTLINE_CATEGORIES.map((c) => `<li><strong>${esc(CATEGORY_INFO[c][lang])}</strong>: ${esc(CATEGORY_INFO[c].guidance[lang])}</li>`).join('');
  const pow = o.pow
    ? `<input type="hidden" name="pow_challenge" value="${esc(o.pow.challenge)}"><input type="hidden" name="pow_solution" value="">
<p class="guide">${esc(t.pow)}</p>
<script>
document.querySelector('form').addEventListener('submit',async function(ev){var f=this;if(f.pow_solution.value)return;ev.preventDefault();var c=f.pow_challenge.value,bits=${o.pow.bits},enc=new TextEncoder();
function z(b){var n=0;for(var i=0;i<b.length;i++){if(b[i]===0){n+=8;continue}return n+Math.clz32(b[i])-24}return n}
for(var i=0;;i++){var d=new Uint8Array(await crypto.subtle.digest('SHA-256',enc.encode(c+':'+i)));if(z(d)>=bits){f.pow_solution.value=String(i);break}}f.submit();});
</script>`
    : '';
  return page(
    lang,
    `<p>${esc(t.intro)}</p>${problems}
<form method="post" action="/hotline?lang=${lang}" accept-charset="utf-8">
<input type="hidden" name="lang" value="${lang}">
<label for="urls">${esc(t.urls)}</label><textarea id="urls" name="urls" rows="4" required>${esc(v.urls)}</textarea>
<label for="category">${esc(t.category)}</label><select id="category" name="category" required>${options}</select>
<ul class="guide">${guidance}</ul>
<label for="description">${esc(t.description)}</label><textarea id="description" name="description" rows="5" maxlength="${MAX_DESCRIPTION}">${esc(v.description)}</textarea>
<label for="contact">${esc(t.contact)}</label><input id="contact" name="contact" maxlength="${MAX_CONTACT}" value="${esc(v.contact)}">
<div class="hp" aria-hidden="true"><label for="website">Website</label><input id="website" name="website" tabindex="-1" autocomplete="off"></div>
<p><button type="submit">${esc(t.submit)}</button></p>
${pow}</form>
<form method="get" action="/hotline/status"><input type="hidden" name="lang" value="${lang}"><label for="receipt">${esc(t.receipt)}</label><input id="receipt" name="receipt" placeholder="H-XXXX-XXXX-XXXX"><p><button type="submit">${esc(t.check)}</button></p></form>`,
  );
}

/** The receipt shown after a report. */
export function receiptPage(lang: Lang, r: Receipt): string {
  const t = T[lang];
  return page(
    lang,
    `<h2>${esc(t.thanks)}</h2><p>${esc(t.receipt)}: <strong id="receipt">${esc(r.receipt)}</strong></p><p>${esc(t.keep)}</p>
<ul>${r.urls.map((u) => `<li><code>${esc(u.url)}</code></li>`).join('')}</ul>
<p><a href="/hotline/status?receipt=${encodeURIComponent(r.receipt)}&amp;lang=${lang}">${esc(t.check)}</a></p>`,
  );
}

/** The status of a receipt's URLs (or that it is unknown). */
export function statusPage(lang: Lang, s: { receipt: string; urls: { url: string; status: PublicStatus }[] } | null): string {
  const t = T[lang];
  if (!s) return page(lang, `<p class="err">${esc(t.unknown)}</p><p><a href="/hotline?lang=${lang}">${esc(t.title)}</a></p>`);
  return page(lang, `<p>${esc(t.receipt)}: <strong>${esc(s.receipt)}</strong></p><ul>${s.urls.map((u) => `<li><code>${esc(u.url)}</code> — <span class="status">${esc(t.status[u.status])}</span></li>`).join('')}</ul>`);
}

/** Too many reports from this address. */
export function tooManyPage(lang: Lang): string {
  return page(lang, `<p class="err" role="alert">${esc(T[lang].tooMany)}</p>`);
}
