import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import { sectorIdentity } from '../stix/extensions.ts';
import { stixSectorOf } from '../orgs/org-identity.ts';
import type { EvidenceRow } from '../evidence/evidence.repository.ts';
import { presentEvidence } from '../evidence/evidence.service.ts';
import '../analysis/analysis.tables.ts';
import { caseContributors, caseEvents, caseObjects, type CaseContributorRow, type CaseRow } from './cases.repository.ts';
import { keysOfObjects } from '../store/keyed-contributions.query.ts';

/** One piece of infrastructure of a referral, with its root-source score and what the offline datasets say. */
export interface InfrastructureItem {
  readonly key: string;
  readonly type: string;
  readonly value: string;
  readonly score: number | null;
  readonly too_common: boolean;
  readonly enrichment: Record<string, unknown>;
}

/** A contributor as the police see it: named, or its sector when anonymous without consent. */
export interface ReferralContributor {
  readonly name: string;
  readonly sector: string | null;
  readonly anonymous: boolean;
  readonly named_with_consent: boolean;
  readonly objects: number;
  readonly first_reported: string;
}

/** The structured content of a referral (referral.json of the package). */
export interface ReferralDocument {
  readonly case: { readonly id: string; readonly number: string; readonly title: string; readonly state: string; readonly law_enforcement: string };
  readonly summary: { readonly ja: string; readonly en: string };
  readonly timeline: readonly { readonly at: string; readonly what: string }[];
  readonly damage: {
    readonly total: { readonly amount_jpy: number; readonly victims: number; readonly records: number; readonly incidents: number };
    readonly by_sector: readonly { readonly sector: string; readonly incidents: number; readonly amount_jpy: number; readonly victims: number }[];
  };
  readonly infrastructure: readonly InfrastructureItem[];
  readonly contributors: readonly ReferralContributor[];
  readonly evidence: readonly ReturnType<typeof presentEvidence>[];
  readonly objects: { readonly members: number; readonly infrastructure: number; readonly results: number };
}

/** What the builder needs from the rest of the hub. */
export interface ReferralDeps {
  readonly db: Kysely<Database>;
  /** Offline enrichment of an observable key (AS, holder, country, registrable domain). */
  readonly enrich: (key: string) => Record<string, unknown>;
}

/**
 * The contributor as the assigned police see it: anonymous contributors stay their sector unless
 * they agreed to be named for this case.
 */
export function contributorForPolice(c: CaseContributorRow): ReferralContributor {
  const named = !c.anonymous || c.consented;
  const sector = c.sector ?? c.kind;
  return {
    name: named ? c.name : String(sectorIdentity(stixSectorOf({ sector: c.sector as never, kind: c.kind as never })).name),
    sector,
    anonymous: c.anonymous,
    named_with_consent: c.anonymous && c.consented,
    objects: c.objects,
    first_reported: c.first_seen.toISOString(),
  };
}

const yen = (n: number): string => n.toLocaleString('en-US');

function summaries(row: CaseRow, d: ReferralDocument['damage'], infra: readonly InfrastructureItem[], contributors: number, sectors: number): { ja: string; en: string } {
  const top = infra.slice(0, 3).map((i) => i.value.replace(/\./g, '[.]'));
  const en =
    row.summary_en ||
    `${d.total.incidents} incident(s) reported by ${contributors} organisation(s) in ${sectors} sector(s); damage JPY ${yen(d.total.amount_jpy)} to ${d.total.victims} victim(s).` +
      (top.length ? ` Shared infrastructure: ${top.join(', ')}.` : '');
  const ja =
    row.summary_ja ||
    `${sectors}業界の${contributors}組織から${d.total.incidents}件のインシデントが報告され、被害額は${yen(d.total.amount_jpy)}円、被害者は${d.total.victims}名。` +
      (top.length ? `共通の基盤: ${top.join('、')}。` : '');
  return { ja, en };
}

/**
 * Gathers a case's referral: summary in both languages, timeline, damage by sector, infrastructure
 * with scores, contributors as the police may know them, and the evidence list.
 * @example const doc = await buildReferral(deps, viewer, caseRow, lawEnforcementName, evidence)
 */
export async function buildReferral(deps: ReferralDeps, _viewer: Viewer, row: CaseRow, leName: string, evidence: readonly EvidenceRow[]): Promise<ReferralDocument> {
  const db = deps.db;
  const objects = await caseObjects(db, row.id);
  const ids = objects.map((o) => o.object_id);
  const contributorRows = await caseContributors(db, row.id);
  const contributors = contributorRows.filter((c) => c.org_id !== row.le_org_id && c.kind !== 'hub');
  // Damage of the incidents, with the sector of the organisation that reported each first.
  const damageRows = ids.length
    ? (
        await sql<{ object_id: string; amount_jpy: number | null; victims: number | null; records: number | null; seen_at: Date | null; sector: string | null }>`
          select m.object_id, m.amount_jpy, m.victims, m.records, m.seen_at,
            (select coalesce(g.sector, g.kind) from contributions c join orgs g on g.id = c.org_id where c.object_id = m.object_id order by c.first_seen, c.id limit 1) as sector
          from analysis_cluster_members m where m.object_type = 'incident' and m.object_id in (${sql.join(ids)})`.execute(db)
      ).rows
    : [];
  const bySector = new Map<string, { sector: string; incidents: number; amount_jpy: number; victims: number }>();
  const total = { amount_jpy: 0, victims: 0, records: 0, incidents: 0 };
  for (const r of damageRows) {
    const s = r.sector ?? 'unknown';
    const e = bySector.get(s) ?? { sector: s, incidents: 0, amount_jpy: 0, victims: 0 };
    e.incidents++;
    e.amount_jpy += Number(r.amount_jpy ?? 0);
    e.victims += Number(r.victims ?? 0);
    bySector.set(s, e);
    total.incidents++;
    total.amount_jpy += Number(r.amount_jpy ?? 0);
    total.victims += Number(r.victims ?? 0);
    total.records += Number(r.records ?? 0);
  }
  const damage = { total, by_sector: [...bySector.values()].sort((a, b) => b.amount_jpy - a.amount_jpy) };

  const infraIds = objects.filter((o) => o.role === 'infrastructure').map((o) => o.object_id);
  const keys = infraIds.length ? await db.selectFrom(keysOfObjects(db).as('k')).select('k.key').distinct().where('k.object_id', 'in', infraIds).execute() : [];
  const scores = keys.length ? await db.selectFrom('analysis_root_sources').select(['key', 'hub_score', 'too_common']).where('key', 'in', keys.map((k) => k.key)).execute() : [];
  const scoreOf = new Map(scores.map((s) => [s.key, s]));
  const infrastructure: InfrastructureItem[] = keys
    .map(({ key }) => {
      const i = key.indexOf(':');
      const s = scoreOf.get(key);
      return { key, type: key.slice(0, i), value: key.slice(i + 1), score: s ? Number(s.hub_score) : null, too_common: s?.too_common ?? false, enrichment: deps.enrich(key) };
    })
    .sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.key.localeCompare(b.key));

  const police = contributors.map(contributorForPolice);
  const timeline = [
    ...damageRows.filter((r) => r.seen_at).map((r) => ({ at: new Date(r.seen_at!).toISOString(), what: `incident ${r.object_id} (${r.sector ?? 'unknown sector'}), damage JPY ${yen(Number(r.amount_jpy ?? 0))}` })),
    ...police.map((c) => ({ at: c.first_reported, what: `first reported by ${c.name}` })),
    ...(await caseEvents(db, row.id, false)).map((e) => ({ at: e.at.toISOString(), what: `case: ${e.kind}${typeof e.details.state === 'string' ? ` → ${e.details.state}` : ''}` })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const sectors = new Set(contributors.map((c) => c.sector ?? c.kind)).size;
  return {
    case: { id: row.id, number: row.number, title: row.title, state: row.state, law_enforcement: leName },
    summary: summaries(row, damage, infrastructure, contributors.length, sectors),
    timeline,
    damage,
    infrastructure,
    contributors: police,
    evidence: evidence.map(presentEvidence),
    objects: {
      members: objects.filter((o) => o.role === 'member').length,
      infrastructure: infraIds.length,
      results: objects.filter((o) => o.role === 'result').length,
    },
  };
}

/** The referral as a readable page in one language (summary.ja.md, summary.en.md). */
export function referralMarkdown(doc: ReferralDocument, lang: 'ja' | 'en'): string {
  const ja = lang === 'ja';
  const lines = [
    `# ${doc.case.number}: ${doc.case.title}`,
    '',
    ja ? `宛先: ${doc.case.law_enforcement}` : `To: ${doc.case.law_enforcement}`,
    '',
    `## ${ja ? '概要' : 'Summary'}`,
    '',
    ja ? doc.summary.ja : doc.summary.en,
    '',
    `## ${ja ? '業界別被害' : 'Damage by sector'}`,
    '',
    ...doc.damage.by_sector.map((s) => (ja ? `- ${s.sector}: ${s.incidents}件, ${yen(s.amount_jpy)}円, 被害者${s.victims}名` : `- ${s.sector}: ${s.incidents} incident(s), JPY ${yen(s.amount_jpy)}, ${s.victims} victim(s)`)),
    '',
    `## ${ja ? '基盤（スコア順）' : 'Infrastructure (by score)'}`,
    '',
    ...doc.infrastructure.map((i) => `- ${i.value.replace(/\./g, '[.]')} (${i.type}${i.score === null ? '' : `, score ${i.score.toFixed(1)}`}${i.enrichment.asn ? `, AS${String(i.enrichment.asn)}` : ''}${i.enrichment.country ? `, ${String(i.enrichment.country)}` : ''})`),
    '',
    `## ${ja ? '情報提供組織' : 'Contributors'}`,
    '',
    ...doc.contributors.map((c) => `- ${c.name}${c.anonymous && !c.named_with_consent ? (ja ? '（匿名）' : ' (anonymous)') : ''}`),
    '',
    `## ${ja ? '時系列' : 'Timeline'}`,
    '',
    ...doc.timeline.map((t) => `- ${t.at} ${t.what}`),
    '',
    `## ${ja ? '証拠' : 'Evidence'}`,
    '',
    ...doc.evidence.map((e) => `- ${e.filename} (${e.kind}, SHA-256 ${e.sha256}, ${e.size} bytes, ${ja ? '収集' : 'collected'} ${e.collected_at})`),
    '',
  ];
  return lines.join('\n');
}
