import type { Kysely } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import { isHub, type AnyViewer, type Viewer } from '../access/viewer.ts';
import { keyFingerprint, verifySecret } from '../auth/api-key.ts';
import { normalizeIpv4 } from '../observables/ip.normalize.ts';
import { normalizeIpv6 } from '../observables/ipv6.normalize.ts';
import { AppError, invalid, notFound } from '../shared/errors.ts';
import { TLP_LEVELS } from '../trust/tlp.ts';
import { mintSensorKey, splitSensorKey } from './sensor-key.ts';
import { aggregatesPredicate, seesDetail } from './sensor.policy.ts';
import { findSensor, insertSensor, listSensors, updateSensor } from './sensors.repository.ts';
import type { SensorKind, SensorRow } from './sensors.tables.ts';

/** What a member gives to register or change a sensor. */
export interface SensorInput {
  readonly label?: string | undefined;
  readonly kind?: SensorKind | undefined;
  readonly address_space?: readonly string[] | undefined;
  /** Owner organisation: the caller's own unless a hub analyst registers for another. */
  readonly org_id?: string | undefined;
  readonly share_tlp?: string | undefined;
  readonly share_orgs?: readonly string[] | undefined;
  readonly share_groups?: readonly string[] | undefined;
  readonly public_summary?: boolean | undefined;
  /** Events per second this sensor may post (default: the hub's setting). */
  readonly rate_limit?: number | null | undefined;
}

/** A sensor as the API shows it; detail fields only to its owner and the hub. */
export interface SensorOut {
  readonly id: string;
  readonly label: string;
  readonly kind: SensorKind;
  readonly org_id: string;
  readonly detail: boolean;
  readonly address_space?: readonly string[];
  readonly share: { readonly tlp: Tlp; readonly orgs: readonly string[]; readonly groups: readonly string[] };
  readonly public_summary: boolean;
  readonly rate_limit?: number | null;
  readonly key_prefix?: string;
  readonly created_at: string;
  readonly revoked_at: string | null;
  readonly last_event_at?: string | null;
}

const KINDS: readonly SensorKind[] = ['telescope', 'honeypot', 'ids', 'other'];
const MAX_CIDRS = 1000;
const KEY_TTL_MS = 30_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Presents a sensor to a viewer. */
export function presentSensor(s: SensorRow, v: AnyViewer): SensorOut {
  const detail = seesDetail(v, s);
  return {
    id: s.id,
    label: s.label,
    kind: s.kind,
    org_id: s.org_id,
    detail,
    ...(detail ? { address_space: s.address_space } : {}),
    share: { tlp: s.share_tlp, orgs: s.share_orgs, groups: s.share_groups },
    public_summary: s.public_summary,
    ...(detail ? { rate_limit: s.rate_limit, key_prefix: s.key_prefix, last_event_at: s.last_event_at?.toISOString() ?? null } : {}),
    created_at: s.created_at.toISOString(),
    revoked_at: s.revoked_at?.toISOString() ?? null,
  };
}

function cidrOf(raw: string, field: string): string {
  try {
    const v = raw.includes(':') ? normalizeIpv6(raw) : normalizeIpv4(raw);
    return v.includes('/') ? v : `${v}/${v.includes(':') ? 128 : 32}`;
  } catch (err) {
    throw invalid(field, (err as Error).message);
  }
}

function ids(list: readonly string[] | undefined, field: string): string[] | undefined {
  if (list === undefined) return undefined;
  if (list.length > 1000) throw invalid(field, 'at most 1000 ids');
  list.forEach((id, i) => {
    if (!UUID.test(id)) throw invalid(`${field}[${i}]`, 'not an id');
  });
  return [...new Set(list.map((x) => x.toLowerCase()))];
}

/** Registered sensors: their keys, owners, watched address space and how their data is shared. */
export class SensorsService {
  readonly #db: Kysely<Database>;
  readonly #onChange: () => void;
  readonly #keys = new Map<string, { sensorId: string; expires: number }>();
  #all: Promise<SensorRow[]> | null = null;

  constructor(db: Kysely<Database>, onChange: () => void = () => {}) {
    this.#db = db;
    this.#onChange = onChange;
  }

  /** Forgets cached sensors and verified keys (a sensor changed here or on another node). */
  invalidate(): void {
    this.#keys.clear();
    this.#all = null;
  }

  #changed(): void {
    this.invalidate();
    this.#onChange();
  }

  /** Every sensor that is not revoked (cached; sensors are few). */
  active(): Promise<SensorRow[]> {
    this.#all ??= listSensors(this.#db).catch((err) => {
      this.#all = null;
      throw err;
    });
    return this.#all;
  }

  async #check(v: Viewer, input: SensorInput, creating: boolean): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    if (input.label !== undefined) {
      const label = input.label.trim();
      if (!label || label.length > 200) throw invalid('label', 'must be 1-200 characters');
      out.label = label;
    } else if (creating) throw invalid('label', 'is required');
    if (input.kind !== undefined) {
      if (!KINDS.includes(input.kind)) throw invalid('kind', `one of ${KINDS.join(', ')}`);
      out.kind = input.kind;
    }
    if (input.address_space !== undefined) {
      if (input.address_space.length > MAX_CIDRS) throw invalid('address_space', `at most ${MAX_CIDRS} ranges`);
      out.address_space = [...new Set(input.address_space.map((c, i) => cidrOf(c, `address_space[${i}]`)))];
    }
    if (input.share_tlp !== undefined) {
      const t = input.share_tlp.toLowerCase() as Tlp;
      if (!TLP_LEVELS.includes(t)) throw invalid('share_tlp', `one of ${TLP_LEVELS.join(', ')}`);
      out.share_tlp = t;
    }
    const orgs = ids(input.share_orgs, 'share_orgs');
    if (orgs) {
      const found = orgs.length ? await this.#db.selectFrom('orgs').select('id').where('id', 'in', orgs).execute() : [];
      const missing = orgs.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) throw invalid('share_orgs', `unknown organisation ${missing.join(', ')}`);
      out.share_orgs = orgs;
    }
    const groups = ids(input.share_groups, 'share_groups');
    if (groups) {
      const found = groups.length ? await this.#db.selectFrom('sharing_groups').select('id').where('id', 'in', groups).execute() : [];
      const missing = groups.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) throw invalid('share_groups', `unknown sharing group ${missing.join(', ')}`);
      out.share_groups = groups;
    }
    if (input.public_summary !== undefined) out.public_summary = input.public_summary;
    if (input.rate_limit !== undefined) {
      if (input.rate_limit !== null && (!Number.isInteger(input.rate_limit) || input.rate_limit < 1)) throw invalid('rate_limit', 'must be a positive integer (events per second) or null');
      out.rate_limit = input.rate_limit;
    }
    if (input.org_id !== undefined && input.org_id !== v.orgId) {
      if (!creating) throw invalid('org_id', 'a sensor does not change owner');
      if (!isHub(v)) throw new AppError('forbidden', 'only hub analysts register sensors for another organisation');
      if (!UUID.test(input.org_id) || !(await this.#db.selectFrom('orgs').select('id').where('id', '=', input.org_id).executeTakeFirst())) throw invalid('org_id', 'unknown organisation');
    }
    return out;
  }

  /**
   * Registers a sensor; answers it with its key, shown this once.
   * @example const { sensor, key } = await sensors.register(viewer, { label: 'Tokyo darknet /24', address_space: ['198.51.100.0/24'] })
   */
  async register(v: Viewer, input: SensorInput): Promise<{ sensor: SensorOut; key: string }> {
    const fields = await this.#check(v, input, true);
    const minted = await mintSensorKey();
    const row = await insertSensor(this.#db, { ...fields, label: fields.label as string, org_id: input.org_id ?? v.orgId, created_by: v.userId, key_prefix: minted.prefix, key_hash: minted.hash });
    this.#changed();
    return { sensor: presentSensor(row, v), key: minted.key };
  }

  async #owned(v: Viewer, id: string): Promise<SensorRow> {
    const s = UUID.test(id) ? await findSensor(this.#db, id) : undefined;
    if (!s) throw notFound('sensor', id);
    if (!seesDetail(v, s)) {
      if (aggregatesPredicate(v)(s)) throw new AppError('forbidden', 'only the owner organisation and the hub change a sensor');
      throw notFound('sensor', id);
    }
    return s;
  }

  /** Sensors the viewer sees: its own and the hub's all in detail, others shared with it in summary. */
  async list(v: Viewer): Promise<SensorOut[]> {
    const sees = aggregatesPredicate(v);
    const rows = await listSensors(this.#db, { includeRevoked: true });
    return rows.filter((s) => seesDetail(v, s) || (s.revoked_at === null && sees(s))).map((s) => presentSensor(s, v));
  }

  /** One sensor, or a 404 when the viewer may not see it. */
  async get(v: AnyViewer, id: string): Promise<SensorRow> {
    const s = UUID.test(id) ? await findSensor(this.#db, id) : undefined;
    if (!s || !(seesDetail(v, s) || (s.revoked_at === null && aggregatesPredicate(v)(s)))) throw notFound('sensor', id);
    return s;
  }

  /** Changes label, kind, address space, sharing or rate limit (owner, hub). */
  async update(v: Viewer, id: string, input: SensorInput): Promise<SensorOut> {
    const s = await this.#owned(v, id);
    if (s.revoked_at) throw new AppError('conflict', 'the sensor is revoked');
    const fields = await this.#check(v, input, false);
    const row = await updateSensor(this.#db, id, fields);
    this.#changed();
    return presentSensor(row!, v);
  }

  /** Revokes a sensor: its key stops working at once, on every node; its data stays. */
  async revoke(v: Viewer, id: string): Promise<SensorOut> {
    const s = await this.#owned(v, id);
    const row = s.revoked_at ? s : await updateSensor(this.#db, id, { revoked_at: new Date() });
    this.#changed();
    return presentSensor(row!, v);
  }

  /** Replaces a sensor's key; the old one stops working. Answers the new key once. */
  async rotateKey(v: Viewer, id: string): Promise<{ sensor: SensorOut; key: string }> {
    const s = await this.#owned(v, id);
    if (s.revoked_at) throw new AppError('conflict', 'the sensor is revoked');
    const minted = await mintSensorKey();
    const row = await updateSensor(this.#db, id, { key_prefix: minted.prefix, key_hash: minted.hash });
    this.#changed();
    return { sensor: presentSensor(row!, v), key: minted.key };
  }

  /**
   * The sensor a request speaks for: 404 for an unknown sensor, 401 for a missing, wrong or revoked
   * key. Verified keys are cached briefly (scrypt is slow on purpose).
   */
  async authenticate(sensorId: string, bearer: string | undefined): Promise<SensorRow> {
    const known = (await this.active()).find((s) => s.id === sensorId);
    if (!bearer) {
      if (!known && !(UUID.test(sensorId) && (await findSensor(this.#db, sensorId)))) throw notFound('sensor', sensorId);
      throw new AppError('unauthorized', 'a sensor posts with its key: Authorization: Bearer kss_…');
    }
    const fp = keyFingerprint(bearer);
    const hit = this.#keys.get(fp);
    if (hit && hit.expires > Date.now() && hit.sensorId === sensorId && known) return known;
    const row = known ?? (UUID.test(sensorId) ? await findSensor(this.#db, sensorId) : undefined);
    if (!row) throw notFound('sensor', sensorId);
    const parts = splitSensorKey(bearer);
    if (!parts || parts.prefix !== row.key_prefix || !(await verifySecret(parts.secret, row.key_hash))) throw new AppError('unauthorized', 'this key is not the key of this sensor');
    if (row.revoked_at) throw new AppError('unauthorized', 'this sensor has been revoked');
    this.#keys.set(fp, { sensorId, expires: Date.now() + KEY_TTL_MS });
    return row;
  }
}
