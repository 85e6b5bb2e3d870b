import type { Kysely } from 'kysely';
import type { CaseState, Database } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import type { AnalysisService } from '../analysis/analysis.service.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import type { IngestFormat } from '../ingest/parsers/parse-result.ts';
import type { Tlp } from '../db/schema.ts';
import { AppError, invalid } from '../shared/errors.ts';
import { accessOf, auditCase, requireCase } from './case.access.ts';
import { canMove, type CaseOutcome } from './case.states.ts';
import { contributorView, notifyContributors } from './case.notify.ts';
import { contributorForPolice } from './referral.builder.ts';
import { addCaseObjects, caseContributors, caseEvents, caseObjects, insertCaseEvent, insertCase, insertConsent, listCases, updateCase, type CaseRow } from './cases.repository.ts';

/** What a hub analyst gives to open a case. */
export interface NewCase {
  readonly title: string;
  readonly le_org_id: string;
  readonly cluster_id?: number | undefined;
  readonly object_ids?: readonly string[] | undefined;
  readonly summary_ja?: string | undefined;
  readonly summary_en?: string | undefined;
}

/** A state change: where to, and for `closed` the outcome. */
export interface CaseMove {
  readonly state: CaseState;
  readonly outcome?: Partial<CaseOutcome> | undefined;
  readonly note?: string | undefined;
}

const INFRA_TYPES = ['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'autonomous-system', 'bank-account', 'cryptocurrency-wallet', 'phone-number'];

/** A case in full, as hub analysts and the assigned police read it. */
function fullView(row: CaseRow) {
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    summary: { ja: row.summary_ja, en: row.summary_en },
    state: row.state,
    source: row.source,
    cluster_id: row.cluster_id === null ? null : Number(row.cluster_id),
    le_org_id: row.le_org_id,
    outcome: row.outcome,
    released: row.released,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    closed_at: row.closed_at?.toISOString() ?? null,
  };
}

/**
 * Cases: referrals of clusters or objects to a law-enforcement organisation, moved through
 * proposed → accepted → investigating → actions → closed. Hub analysts and the assigned police read
 * them in full; organisations whose contributions fed a case read its state; nobody else learns it
 * exists (404). Every read and change is audited; state changes are told to the contributors.
 */
export class CasesService {
  readonly #db: Kysely<Database>;
  readonly #analysis: AnalysisService;
  readonly #ingest: IngestService;

  constructor(db: Kysely<Database>, analysis: AnalysisService, ingest: IngestService) {
    this.#db = db;
    this.#analysis = analysis;
    this.#ingest = ingest;
  }

  /** Objects of a cluster as the hub sees it: members, and the observables holding its shared values (infrastructure). */
  async #clusterObjects(viewer: Viewer, clusterId: number): Promise<{ members: string[]; infrastructure: string[] }> {
    const c = await this.#analysis.views.cluster(viewer, clusterId);
    if (c.status !== 'active') throw new AppError('conflict', `cluster ${clusterId} is ${String(c.status)}; refer the cluster it became`, { status: c.status });
    const members = (c.members_shown as { id: string }[]).map((m) => m.id);
    const refs = (c.evidence as { kind: string; ref: string }[]).filter((e) => e.kind === 'shared value').map((e) => e.ref);
    const infra = refs.length
      ? await this.#db
          .selectFrom('object_keys as k')
          .innerJoin('stix_objects as o', 'o.id', 'k.object_id')
          .select('k.object_id')
          .distinct()
          .where('k.key', 'in', refs)
          .where('o.type', 'in', INFRA_TYPES)
          .limit(500)
          .execute()
      : [];
    return { members, infrastructure: infra.map((r) => r.object_id) };
  }

  async #existingObjects(ids: readonly string[]): Promise<string[]> {
    if (!ids.length) return [];
    const found = await this.#db.selectFrom('stix_objects').select('id').where('id', 'in', [...ids]).execute();
    const have = new Set(found.map((f) => f.id));
    const missing = ids.filter((i) => !have.has(i));
    if (missing.length) throw new AppError('validation_failed', `object_ids: unknown object ${missing.slice(0, 5).join(', ')}`, { field: 'object_ids', ids: missing.slice(0, 100) });
    return [...have];
  }

  /**
   * Opens a case (hub analysts): the referral of a cluster or of chosen objects to a law-enforcement organisation.
   * @example await cases.create(viewer, { title: 'Banking trojan campaign', le_org_id, cluster_id: 12 })
   */
  async create(viewer: Viewer, input: NewCase, opts: { hotline?: boolean } = {}): Promise<ReturnType<typeof fullView>> {
    // The hotline (issue 15) notifies the police of a reported URL: its operators open the case, which may hold no STIX object.
    const hotline = opts.hotline === true && (isHub(viewer) || viewer.role === 'hotline_operator');
    if (!isHub(viewer) && !hotline) throw new AppError('forbidden', 'only hub analysts refer cases to law enforcement');
    const le = await this.#db.selectFrom('orgs').select(['id', 'kind']).where('id', '=', input.le_org_id).executeTakeFirst();
    if (!le) throw invalid('le_org_id', 'unknown organisation');
    if (le.kind !== 'law_enforcement') throw invalid('le_org_id', `is a ${le.kind} organisation, not law enforcement`);
    if (input.cluster_id === undefined && !input.object_ids?.length && !hotline) throw invalid('cluster_id', 'give a cluster or object_ids');
    const fromCluster = input.cluster_id === undefined ? { members: [], infrastructure: [] } : await this.#clusterObjects(viewer, input.cluster_id);
    const chosen = await this.#existingObjects(input.object_ids ?? []);
    const row = await this.#db.transaction().execute(async (trx) => {
      const r = await insertCase(trx, {
        title: input.title,
        summary_ja: input.summary_ja ?? '',
        summary_en: input.summary_en ?? '',
        state: 'proposed',
        cluster_id: input.cluster_id ?? null,
        le_org_id: le.id,
        created_by: viewer.userId,
        ...(hotline ? { source: 'hotline' } : {}),
      });
      await addCaseObjects(trx, r.id, [...fromCluster.members, ...chosen], 'member');
      await addCaseObjects(trx, r.id, fromCluster.infrastructure, 'infrastructure');
      await insertCaseEvent(trx, { case_id: r.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: 'state', public: true, details: JSON.stringify({ state: 'proposed' }) });
      return r;
    });
    await auditCase(this.#db, viewer, 'case.create', row.id, { cluster_id: input.cluster_id ?? null, objects: fromCluster.members.length + chosen.length + fromCluster.infrastructure.length, le_org_id: le.id });
    return fullView(row);
  }

  /** Cases the viewer may know of, newest first: in full for hub and police, the state for contributors. */
  async list(viewer: Viewer, o: { limit: number; before?: { at: Date; id: string } | undefined; state?: string | undefined }) {
    const rows = await listCases(this.#db, isHub(viewer) ? { all: true } : { orgId: viewer.orgId }, o);
    const items = rows.map((r) => (isHub(viewer) || r.le_org_id === viewer.orgId ? { access: 'full', ...fullView(r) } : { access: 'contributor', ...contributorView(r) }));
    await auditCase(this.#db, viewer, 'case.list', '*', { shown: rows.map((r) => r.id) });
    const last = rows.at(-1);
    return { items, next: rows.length === o.limit && last ? { at: last.created_at, id: last.id } : null };
  }

  /** One case: in full (objects, contributors as the viewer may know them, timeline) or its state for a contributor. */
  async get(viewer: Viewer, id: string) {
    const { row, access } = await requireCase(this.#db, viewer, id);
    await auditCase(this.#db, viewer, 'case.read', row.id, { access });
    if (access === 'contributor') {
      const events = await caseEvents(this.#db, row.id, true);
      return { access, ...contributorView(row), history: events.map((e) => ({ state: e.details.state ?? null, at: e.at.toISOString() })) };
    }
    const [objects, contributors, events] = await Promise.all([caseObjects(this.#db, row.id), caseContributors(this.#db, row.id), caseEvents(this.#db, row.id, false)]);
    const hub = isHub(viewer);
    return {
      access,
      ...fullView(row),
      objects: objects.map((o) => ({ id: o.object_id, role: o.role })),
      // The police see anonymous contributors as their sector unless they agreed to be named.
      contributors: contributors
        .filter((c) => c.org_id !== row.le_org_id && c.kind !== 'hub')
        .map((c) => (hub ? { org_id: c.org_id, name: c.name, sector: c.sector ?? c.kind, anonymous: c.anonymous, consented: c.consented, objects: c.objects } : contributorForPolice(c))),
      timeline: events.map((e) => ({ at: e.at.toISOString(), kind: e.kind, actor_org_id: e.actor_org_id, details: e.details })),
    };
  }

  /** The case row after checking the viewer may act on it in full (hub or assigned police). */
  async requireFull(viewer: Viewer, id: string): Promise<CaseRow> {
    return (await requireCase(this.#db, viewer, id, 'full')).row;
  }

  /**
   * Moves a case to another state (hub analysts and the assigned police); closing needs an outcome.
   * Contributors are told in the same transaction.
   */
  async move(viewer: Viewer, id: string, m: CaseMove) {
    const row = await this.requireFull(viewer, id);
    if (m.state === 'accepted' && !isHub(viewer) && viewer.orgId !== row.le_org_id) throw new AppError('forbidden', 'only the assigned law-enforcement organisation accepts a case');
    if (!canMove(row.state, m.state)) throw new AppError('conflict', `a ${row.state} case cannot become ${m.state}`, { from: row.state, to: m.state });
    let outcome: CaseOutcome | null = null;
    if (m.state === 'closed') {
      const o = m.outcome ?? {};
      outcome = { arrests: o.arrests ?? 0, seizures: o.seizures ?? 0, takedowns: o.takedowns ?? 0, no_action_reason: o.no_action_reason?.trim() || null, note: o.note ?? '' };
      if (outcome.arrests + outcome.seizures + outcome.takedowns === 0 && !outcome.no_action_reason) throw invalid('outcome', 'closing a case needs arrests, seizures or takedowns, or no_action_reason');
    }
    const updated = await this.#db.transaction().execute(async (trx) => {
      const u = await updateCase(trx, row.id, { state: m.state, ...(outcome ? { outcome: JSON.stringify(outcome), closed_at: new Date() } : {}) });
      await insertCaseEvent(trx, { case_id: row.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: 'state', public: true, details: JSON.stringify({ state: m.state, from: row.state, note: m.note ?? '' }) });
      await notifyContributors(trx, u);
      return u;
    });
    await auditCase(this.#db, viewer, 'case.state', row.id, { from: row.state, to: m.state });
    return fullView(updated);
  }

  /** Releases (or withholds) the case's title and outcome details to its contributors (hub analysts and the police). */
  async release(viewer: Viewer, id: string, released: boolean) {
    const row = await this.requireFull(viewer, id);
    const u = await this.#db.transaction().execute(async (trx) => {
      const r = await updateCase(trx, row.id, { released });
      await insertCaseEvent(trx, { case_id: row.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: released ? 'released' : 'withheld', details: '{}' });
      if (released && !row.released) await notifyContributors(trx, r);
      return r;
    });
    await auditCase(this.#db, viewer, 'case.release', row.id, { released });
    return fullView(u);
  }

  /** An anonymous contributor agrees that the assigned police may learn its name for this case. */
  async consent(viewer: Viewer, id: string) {
    const { row, access } = await requireCase(this.#db, viewer, id);
    if (access !== 'contributor' && !(await this.#contributes(row.id, viewer.orgId))) throw new AppError('forbidden', 'only a contributing organisation gives consent to be named');
    await insertConsent(this.#db, row.id, viewer.orgId, viewer.userId);
    await insertCaseEvent(this.#db, { case_id: row.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: 'consent', details: '{}' });
    await auditCase(this.#db, viewer, 'case.consent', row.id, {});
    return { case_id: row.id, org_id: viewer.orgId, consented: true };
  }

  async #contributes(caseId: string, orgId: string): Promise<boolean> {
    return (await caseContributors(this.#db, caseId)).some((c) => c.org_id === orgId);
  }

  /** Adds objects to a case (hub analysts and the police). */
  async addObjects(viewer: Viewer, id: string, ids: readonly string[], role: 'member' | 'infrastructure') {
    const row = await this.requireFull(viewer, id);
    const have = await this.#existingObjects(ids);
    await addCaseObjects(this.#db, row.id, have, role);
    await auditCase(this.#db, viewer, 'case.objects', row.id, { added: have.length, role });
    return { added: have.length };
  }

  /**
   * The police post investigation results (seized C2 lists, related accounts) at a TLP they choose:
   * they become contributions of their organisation, and objects of the case.
   */
  async postResults(viewer: Viewer, id: string, body: Buffer, o: { format: 'auto' | IngestFormat; tlp: Tlp; note?: string | undefined }) {
    const row = await this.requireFull(viewer, id);
    if (viewer.orgId !== row.le_org_id && !isHub(viewer)) throw new AppError('forbidden', 'only the assigned law-enforcement organisation posts results');
    const report = await this.#ingest.ingest(viewer, body, { format: o.format, tlp: o.tlp, orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api', filename: `case-${row.number}-results` });
    if (report.status !== 'done') return { ingest: report, added: 0 };
    const created = await this.#db.selectFrom('contributions').select('object_id').where('ingest_id', '=', report.id).execute();
    await addCaseObjects(this.#db, row.id, created.map((c) => c.object_id), 'result');
    await insertCaseEvent(this.#db, { case_id: row.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: 'results', details: JSON.stringify({ ingest_id: report.id, objects: created.length, tlp: o.tlp, note: o.note ?? '' }) });
    await auditCase(this.#db, viewer, 'case.results', row.id, { ingest_id: report.id, objects: created.length, tlp: o.tlp });
    return { ingest: report, added: created.length };
  }

  /** Whether the viewer may read the case in full (for other areas: actions, evidence). */
  async canReadFull(viewer: Viewer, row: CaseRow): Promise<boolean> {
    return (await accessOf(this.#db, viewer, row)) === 'full';
  }
}
