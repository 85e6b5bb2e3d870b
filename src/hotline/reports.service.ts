import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { EnrichmentService } from '../enrichment/enrichment.service.ts';
import { AppError } from '../shared/errors.ts';
import { CATEGORY_INFO, isCategory, type HotlineCategory } from './categories.ts';
import { normaliseUrl, type NormalisedUrl } from './url.normalise.ts';
import { entryByUrl, reportsByReceipt, upsertEntry } from './hotline.repository.ts';
import type { HostResolver } from './host.resolver.ts';

/** Longest description accepted, in characters. */
export const MAX_DESCRIPTION = 4000;
/** Longest contact accepted, in characters. */
export const MAX_CONTACT = 200;
/** URLs one report may name. */
export const MAX_URLS = 20;

/** What a reporter sends. */
export interface ReportInput {
  /** One URL per line, or a list. */
  readonly urls: string | readonly string[];
  readonly category: string;
  readonly description?: string | undefined;
  readonly contact?: string | undefined;
  readonly lang?: string | undefined;
}

/** A problem with one field, told to the reporter. */
export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

/** Thrown when a report is refused: every problem found, each naming its field (and URL line). */
export class ReportRefused extends AppError {
  readonly problems: readonly FieldProblem[];
  constructor(problems: readonly FieldProblem[]) {
    super('validation_failed', problems.map((p) => `${p.field}: ${p.reason}`).join('; '), { problems });
    this.problems = problems;
  }
}

/** The receipt a reporter keeps: its number and each URL as the hotline recorded it. */
export interface Receipt {
  readonly receipt: string;
  readonly urls: readonly { url: string; reports: number }[];
}

/** Public status of a report's URLs: nothing about who reported or what the operators noted. */
export type PublicStatus = 'received' | 'under_review' | 'action_taken' | 'removed' | 'not_actionable';

function newReceipt(): string {
  const h = randomBytes(6).toString('hex').toUpperCase();
  return `H-${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8)}`;
}

// Text a database cannot hold and invisible controls are removed, not stored.
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
}

/** Checks a report without storing anything: the normalised URLs, or every problem. */
export function checkReport(input: ReportInput): { urls: NormalisedUrl[]; category: HotlineCategory; description: string; contact: string | null; lang: 'ja' | 'en' } {
  const problems: FieldProblem[] = [];
  const lines = (typeof input.urls === 'string' ? input.urls.split(/\r?\n/) : [...input.urls]).map((l) => String(l).trim()).filter(Boolean);
  if (lines.length === 0) problems.push({ field: 'urls', reason: 'give at least one URL' });
  if (lines.length > MAX_URLS) problems.push({ field: 'urls', reason: `at most ${MAX_URLS} URLs per report` });
  const urls = new Map<string, NormalisedUrl>();
  lines.slice(0, MAX_URLS).forEach((l, i) => {
    try {
      const n = normaliseUrl(l);
      urls.set(n.url, n);
    } catch (err) {
      problems.push({ field: `urls[${i + 1}]`, reason: (err as Error).message });
    }
  });
  if (!isCategory(input.category)) problems.push({ field: 'category', reason: 'choose one of the categories' });
  const description = clean(String(input.description ?? '').trim());
  if (description.length > MAX_DESCRIPTION) problems.push({ field: 'description', reason: `at most ${MAX_DESCRIPTION} characters (this one has ${description.length}); describe where on the page, not the content itself` });
  const contact = clean(String(input.contact ?? '').trim());
  if (contact.length > MAX_CONTACT) problems.push({ field: 'contact', reason: `at most ${MAX_CONTACT} characters` });
  if (problems.length) throw new ReportRefused(problems);
  return { urls: [...urls.values()], category: input.category as HotlineCategory, description, contact: contact || null, lang: input.lang === 'en' ? 'en' : 'ja' };
}

/**
 * Takes reports from the public (no account) and from volunteers and members (with their key):
 * only URLs and metadata are stored, never the content; the same URL reported again counts on its
 * entry instead of making a new one. The receipt number follows the report's status.
 */
export class ReportsService {
  readonly #db: Kysely<Database>;
  readonly #enrichment: EnrichmentService;
  readonly #resolve: HostResolver;

  constructor(db: Kysely<Database>, enrichment: EnrichmentService, resolve: HostResolver) {
    this.#db = db;
    this.#enrichment = enrichment;
    this.#resolve = resolve;
  }

  async #where(n: NormalisedUrl): Promise<{ host_ip: string | null; country: string | null }> {
    const known = await entryByUrl(this.#db, n.url);
    if (known?.country) return { host_ip: known.host_ip, country: known.country };
    const ip = await this.#resolve(n.host).catch(() => null);
    return { host_ip: ip, country: ip ? (this.#enrichment.ipInfo(ip)?.country ?? null) : null };
  }

  /**
   * Records a report; `reporter` is absent for the public form.
   * @example await reports.submit({ urls: 'http://bad.example/x', category: 'fraud_phishing' })
   */
  async submit(input: ReportInput, reporter?: Viewer): Promise<Receipt> {
    const r = checkReport(input);
    const info = CATEGORY_INFO[r.category];
    const where = await Promise.all(r.urls.map((n) => this.#where(n)));
    const receipt = newReceipt();
    const source = reporter === undefined ? 'public' : reporter.role === 'volunteer' ? 'volunteer' : 'member';
    const out = await this.#db.transaction().execute(async (trx) => {
      const urls: { url: string; reports: number }[] = [];
      for (const [i, n] of r.urls.entries()) {
        const e = await upsertEntry(trx, { url: n.url, site: n.site, category: r.category, priority: info.priority, ...where[i]! });
        await trx
          .insertInto('hotline_reports')
          .values({ receipt, entry_id: e.id, category: r.category, description: r.description, contact: r.contact, lang: r.lang, source, reporter_user_id: reporter?.userId ?? null, group_org_id: reporter?.orgId ?? null })
          .execute();
        urls.push({ url: n.url, reports: e.report_count });
      }
      return urls;
    });
    return { receipt, urls: out };
  }

  /** The public status of a receipt's URLs; null when the receipt is unknown. */
  async status(receipt: string) {
    if (!/^H-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/.test(receipt)) return null;
    const rows = await reportsByReceipt(this.#db, receipt);
    if (!rows.length) return null;
    return {
      receipt,
      received_at: rows[0]!.created_at.toISOString(),
      urls: rows.map((x) => ({ url: x.url, category: x.category, status: publicStatus(x.status, x.classification), removed_at: x.removed_at?.toISOString() ?? null })),
    };
  }
}

/** What the public is told of an entry's state. */
export function publicStatus(status: string, classification: string | null): PublicStatus {
  if (status === 'removed') return 'removed';
  if (classification === 'not_actionable') return 'not_actionable';
  if (status === 'actioned') return 'action_taken';
  if (status === 'classified') return 'under_review';
  return 'received';
}
