import type { Kysely } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { Database } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import type { ActionsService } from '../actions/actions.service.ts';
import type { CasesService } from '../cases/cases.service.ts';
import { HOME_COUNTRY } from '../actions/recipient.resolver.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import { KESSETSU_NAMESPACE } from '../stix/extensions.ts';
import { AppError, invalid, notFound } from '../shared/errors.ts';
import { CATEGORY_INFO, isCategory } from './categories.ts';
import { actionsOfEntries, decisionsOfSites, findEntry, latestReports, linkAction, listEntries, updateEntry, type EntryRow } from './hotline.repository.ts';
import type { HostResolver } from './host.resolver.ts';
import type { EnrichmentService } from '../enrichment/enrichment.service.ts';

/** Classifications an operator may give. */
export const CLASSIFICATIONS = ['illegal', 'harmful', 'not_actionable'] as const;

/** An operator's decision on an entry. */
export interface Classification {
  readonly classification: (typeof CLASSIFICATIONS)[number];
  readonly legal_basis?: string | undefined;
  /** Correct the category reporters chose. */
  readonly category?: string | undefined;
  readonly note?: string | undefined;
}

/** An action the hotline takes on an entry. */
export interface HotlineAction {
  readonly kind: 'police' | 'deletion_request' | 'forward';
  /** police: the law-enforcement organisation that receives the case. */
  readonly le_org_id?: string | undefined;
  readonly lang?: 'ja' | 'en' | undefined;
  /** Who receives the notice when the directory does not say. */
  readonly recipient?: { readonly name: string; readonly email?: string | undefined; readonly country?: string | undefined; readonly lang?: 'ja' | 'en' | undefined } | undefined;
}

/** Hotline operators and hub analysts work the queue. */
export function requireOperator(viewer: Viewer): void {
  if (!isHub(viewer) && viewer.role !== 'hotline_operator') throw new AppError('forbidden', 'only hotline operators and hub analysts work the hotline queue');
}

/** An entry as operators see it. */
export function presentEntry(e: EntryRow) {
  return {
    id: e.id,
    url: e.url,
    site: e.site,
    category: e.category,
    priority: e.priority,
    report_count: e.report_count,
    first_reported_at: e.first_reported_at.toISOString(),
    last_reported_at: e.last_reported_at.toISOString(),
    status: e.status,
    classification: e.classification,
    legal_basis: e.legal_basis,
    decision_note: e.decision_note,
    classified_at: e.classified_at?.toISOString() ?? null,
    host_ip: e.host_ip,
    country: e.country,
    case_id: e.case_id,
    indicator_id: e.indicator_id,
    removed_at: e.removed_at?.toISOString() ?? null,
    last_checked_at: e.last_checked_at?.toISOString() ?? null,
    last_check: e.last_check,
  };
}

/** The pattern literal of a URL in a STIX pattern. */
function patternLiteral(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

/**
 * Triage for hotline operators: entries grouped by site with the earlier decisions on each site,
 * classification with its legal basis, and the actions: a police case (neutralise workflow), a
 * deletion request and a forward to the partner hotline of the hosting country (both actions with
 * clocks, sent through the outbox). Phishing and malware entries also become TLP:GREEN indicators
 * contributed by the hotline's organisation.
 */
export class TriageService {
  readonly #db: Kysely<Database>;
  readonly #actions: ActionsService;
  readonly #cases: CasesService;
  readonly #ingest: IngestService;
  readonly #enrichment: EnrichmentService;
  readonly #resolve: HostResolver;

  constructor(d: { db: Kysely<Database>; actions: ActionsService; cases: CasesService; ingest: IngestService; enrichment: EnrichmentService; resolve: HostResolver }) {
    this.#db = d.db;
    this.#actions = d.actions;
    this.#cases = d.cases;
    this.#ingest = d.ingest;
    this.#enrichment = d.enrichment;
    this.#resolve = d.resolve;
  }

  /** The queue grouped by site, most urgent first, each site with its earlier decisions. */
  async queue(viewer: Viewer, o: { status?: string | undefined; limit: number }) {
    requireOperator(viewer);
    const statuses = o.status ? o.status.split(',') : ['new'];
    const entries = await listEntries(this.#db, { statuses, limit: o.limit });
    const ids = entries.map((e) => e.id);
    const [reports, decisions, actions] = await Promise.all([latestReports(this.#db, ids, 5), decisionsOfSites(this.#db, [...new Set(entries.map((e) => e.site))]), actionsOfEntries(this.#db, ids)]);
    const sites = new Map<string, { site: string; priority: number; reports: number; entries: unknown[]; earlier_decisions: unknown[] }>();
    for (const e of entries) {
      const s = sites.get(e.site) ?? { site: e.site, priority: e.priority, reports: 0, entries: [], earlier_decisions: [] };
      s.reports += e.report_count;
      s.entries.push({
        ...presentEntry(e),
        reports: reports.filter((r) => r.entry_id === e.id).map((r) => ({ at: r.created_at.toISOString(), category: r.category, source: r.source, description: r.description, lang: r.lang })),
        actions: actions.filter((a) => a.entry_id === e.id).map((a) => ({ id: a.id, kind: a.kind, status: a.status })),
      });
      sites.set(e.site, s);
    }
    for (const d of decisions) {
      const s = sites.get(d.site);
      if (s && !ids.includes(d.id)) s.earlier_decisions.push({ id: d.id, url: d.url, category: d.category, classification: d.classification, legal_basis: d.legal_basis, classified_at: d.classified_at?.toISOString() ?? null, status: d.status, removed_at: d.removed_at?.toISOString() ?? null });
    }
    await appendAudit(this.#db, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'hotline.triage', targetType: 'hotline_entry', targetId: '*', via: 'api', details: { shown: entries.length } }]);
    return { sites: [...sites.values()].sort((a, b) => b.priority - a.priority || b.reports - a.reports) };
  }

  async #entry(viewer: Viewer, id: string): Promise<EntryRow> {
    requireOperator(viewer);
    const e = await findEntry(this.#db, id);
    if (!e) throw notFound('hotline entry', id);
    return e;
  }

  /** One entry with its reports, actions and checks. */
  async get(viewer: Viewer, id: string) {
    const e = await this.#entry(viewer, id);
    const [reports, actions, checks] = await Promise.all([
      latestReports(this.#db, [e.id], 50),
      actionsOfEntries(this.#db, [e.id]),
      this.#db.selectFrom('hotline_checks').selectAll().where('entry_id', '=', e.id).orderBy('id', 'desc').limit(20).execute(),
    ]);
    return {
      ...presentEntry(e),
      reports: reports.map((r) => ({ at: r.created_at.toISOString(), receipt: r.receipt, category: r.category, source: r.source, description: r.description, contact: r.contact, lang: r.lang })),
      actions: actions.map((a) => ({ id: a.id, kind: a.kind, status: a.status, recipient: a.recipient, created_at: a.created_at.toISOString(), done_at: a.done_at?.toISOString() ?? null })),
      checks: checks.map((c) => ({ at: c.checked_at.toISOString(), result: c.result, http_status: c.http_status })),
    };
  }

  /**
   * Classifies an entry; illegal and harmful need a legal basis. A phishing or malware entry found
   * illegal or harmful becomes a TLP:GREEN indicator contributed by the operator's organisation.
   */
  async classify(viewer: Viewer, id: string, c: Classification) {
    const e = await this.#entry(viewer, id);
    if (!(CLASSIFICATIONS as readonly string[]).includes(c.classification)) throw invalid('classification', `one of ${CLASSIFICATIONS.join(', ')}`);
    if (c.category !== undefined && !isCategory(c.category)) throw invalid('category', 'unknown category');
    const basis = c.legal_basis?.trim() ?? '';
    if (c.classification !== 'not_actionable' && !basis) throw invalid('legal_basis', 'illegal and harmful need the legal basis (GET /api/v1/hotline/categories lists the usual ones)');
    if (basis.length > 500) throw invalid('legal_basis', 'at most 500 characters');
    const category = c.category ?? e.category;
    let row = await updateEntry(this.#db, e.id, {
      classification: c.classification,
      legal_basis: basis || null,
      decision_note: c.note?.slice(0, 2000) ?? null,
      classified_by: viewer.userId,
      classified_at: new Date(),
      category,
      priority: CATEGORY_INFO[category as keyof typeof CATEGORY_INFO].priority,
      status: e.status === 'new' ? 'classified' : e.status,
    });
    const indicatorType = CATEGORY_INFO[category as keyof typeof CATEGORY_INFO].indicator;
    if (indicatorType && c.classification !== 'not_actionable' && !row.indicator_id) row = await updateEntry(this.#db, e.id, { indicator_id: await this.#indicator(viewer, row, indicatorType) });
    await appendAudit(this.#db, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'hotline.classify', targetType: 'hotline_entry', targetId: e.id, via: 'api', details: { classification: c.classification, legal_basis: basis, category } }]);
    return presentEntry(row);
  }

  async #indicator(viewer: Viewer, e: EntryRow, type: 'phishing' | 'malicious-activity'): Promise<string> {
    const now = new Date().toISOString();
    const id = `indicator--${uuidv5(`hotline:${e.url}`, KESSETSU_NAMESPACE)}`;
    const indicator = {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: now,
      modified: now,
      name: `${type === 'phishing' ? 'Phishing' : 'Malware distribution'} URL reported to the hotline`,
      indicator_types: [type],
      pattern: `[url:value = '${patternLiteral(e.url)}']`,
      pattern_type: 'stix',
      valid_from: now,
    };
    await this.#ingest.ingestParsed(viewer, { format: 'stix', objects: [indicator], errors: [], warnings: [] }, { format: 'stix', tlp: 'green', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api' });
    return id;
  }

  async #hostIp(e: EntryRow): Promise<EntryRow> {
    if (e.host_ip) return e;
    const host = new URL(e.url).hostname.replace(/^\[|\]$/g, '');
    const ip = await this.#resolve(host).catch(() => null);
    if (!ip) return e;
    return updateEntry(this.#db, e.id, { host_ip: ip, country: this.#enrichment.ipInfo(ip)?.country ?? e.country });
  }

  /**
   * Acts on a classified entry: police (a case), deletion_request (site administrator or hosting
   * provider), forward (partner hotline of the hosting country; refused for content hosted at home).
   */
  async act(viewer: Viewer, id: string, a: HotlineAction) {
    let e = await this.#entry(viewer, id);
    if (e.classification === null || e.classification === 'not_actionable') throw new AppError('conflict', 'classify the entry as illegal or harmful first', { classification: e.classification });
    const info = CATEGORY_INFO[e.category as keyof typeof CATEGORY_INFO];
    const reason = `${info.en} / ${info.ja} — ${e.legal_basis ?? ''}`;
    let result: Record<string, unknown>;
    if (a.kind === 'police') {
      if (!a.le_org_id) throw invalid('le_org_id', 'the police organisation that receives the case');
      if (e.case_id) throw new AppError('conflict', 'the police already have a case for this entry', { case_id: e.case_id });
      const c = await this.#cases.create(
        viewer,
        {
          title: `Hotline report: ${info.en} at ${e.site}`,
          le_org_id: a.le_org_id,
          object_ids: e.indicator_id ? [e.indicator_id] : [],
          summary_en: `Reported URL: ${e.url}\nCategory: ${info.en}\nLegal basis: ${e.legal_basis}\nReports: ${e.report_count} since ${e.first_reported_at.toISOString()}`,
          summary_ja: `通報URL: ${e.url}\n分類: ${info.ja}\n根拠法令: ${e.legal_basis}\n通報件数: ${e.report_count}`,
        },
        { hotline: true },
      );
      e = await updateEntry(this.#db, e.id, { case_id: c.id, status: e.status === 'removed' ? 'removed' : 'actioned' });
      result = { kind: 'police', case_id: c.id, case_number: c.number };
    } else if (a.kind === 'deletion_request' || a.kind === 'forward') {
      e = await this.#hostIp(e);
      if (a.kind === 'forward' && (e.country === null || e.country === HOME_COUNTRY)) throw new AppError('conflict', e.country === null ? 'the hosting country is not known; send a deletion request instead' : 'hosted in Japan: send a deletion request, not a forward', { country: e.country });
      const action = await this.#actions.create(
        viewer,
        {
          kind: a.kind === 'forward' ? 'hotline_forward' : 'deletion_request',
          target: e.url,
          host_ip: e.host_ip,
          lang: a.lang,
          note: reason,
          ...(a.recipient ? { recipient: a.recipient } : {}),
        },
        { source: 'hotline' },
      );
      await linkAction(this.#db, e.id, action.id, a.kind);
      e = await updateEntry(this.#db, e.id, { status: e.status === 'removed' ? 'removed' : 'actioned' });
      result = { kind: a.kind, action };
    } else throw invalid('kind', 'police, deletion_request or forward');
    await appendAudit(this.#db, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'hotline.act', targetType: 'hotline_entry', targetId: e.id, via: 'api', details: { kind: a.kind } }]);
    return { entry: presentEntry(e), ...result };
  }
}
