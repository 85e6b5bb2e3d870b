import { sql, type Kysely } from 'kysely';

// Neutralise (issue 12): cases referred to law enforcement, their objects, timeline and consents;
// evidence items in a content-addressed store with a hash-chained custody log; signed referral
// packages; actions with clocks (takedowns, freezes, sinkholes, ISP notices) and their events; the
// contact directory that resolves recipients; international requests.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence case_number_seq`.execute(db);
  await db.schema
    .createTable('cases')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary_ja', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('summary_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('proposed','accepted','investigating','actions','closed')`))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('hub'))
    .addColumn('cluster_id', 'bigint')
    .addColumn('le_org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('outcome', 'jsonb')
    .addColumn('released', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('cases_le_idx').on('cases').columns(['le_org_id', 'created_at']).execute();

  await db.schema
    .createTable('case_objects')
    .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('member'))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('case_objects_pk', ['case_id', 'object_id'])
    .execute();
  await db.schema.createIndex('case_objects_object_idx').on('case_objects').column('object_id').execute();

  await db.schema
    .createTable('case_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_user_id', 'uuid')
    .addColumn('actor_org_id', 'uuid')
    .addColumn('kind', 'text', (c) => c.notNull())
    // State changes are what contributors learn; notes, results and requests stay with the case's readers.
    .addColumn('public', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('case_events_case_idx').on('case_events').columns(['case_id', 'id']).execute();

  // An anonymous contributor's agreement that the police may learn its name for this case.
  await db.schema
    .createTable('case_consents')
    .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('orgs.id'))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('case_consents_pk', ['case_id', 'org_id'])
    .execute();

  await db.schema
    .createTable('international_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('partner', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('sent','answered','closed')`))
    .addColumn('answer', 'text')
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('answered_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('evidence_items')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('case_id', 'uuid', (c) => c.references('cases.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('file','stix','email','package')`))
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('collected_by', 'uuid')
    .addColumn('collected_by_org', 'uuid')
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('evidence_items_case_idx').on('evidence_items').columns(['case_id', 'created_at']).execute();

  await db.schema
    .createTable('custody_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('evidence_id', 'uuid')
    .addColumn('case_id', 'uuid')
    .addColumn('actor_user_id', 'uuid')
    .addColumn('actor_org_id', 'uuid')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('custody_log_evidence_idx').on('custody_log').columns(['evidence_id', 'seq']).execute();

  await db.schema
    .createTable('referral_packages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id'))
    .addColumn('evidence_id', 'uuid', (c) => c.notNull().references('evidence_items.id'))
    .addColumn('manifest_sha256', 'text', (c) => c.notNull())
    .addColumn('key_fingerprint', 'text', (c) => c.notNull())
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('contacts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('org_id', 'uuid', (c) => c.references('orgs.id'))
    .addColumn('country', 'text')
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('contacts_kind_key', ['kind', 'key'])
    .execute();

  await db.schema
    .createTable('actions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('case_id', 'uuid', (c) => c.references('cases.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_value', 'text', (c) => c.notNull())
    .addColumn('target_key', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('recipient', 'jsonb', (c) => c.notNull())
    .addColumn('recipient_key', 'text', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('sent','acknowledged','done','refused','reappeared')`))
    .addColumn('notice_subject', 'text', (c) => c.notNull())
    .addColumn('notice_text', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'bigint')
    .addColumn('amount_frozen_jpy', 'bigint')
    .addColumn('amount_recovered_jpy', 'bigint')
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('done_at', 'timestamptz')
    .addColumn('refused_at', 'timestamptz')
    .addColumn('reappeared_at', 'timestamptz')
    // Seconds from the request to its first completion: the clock the metrics read.
    .addColumn('first_done_seconds', 'double precision')
    .addColumn('reopen_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('actions_case_idx').on('actions').columns(['case_id', 'created_at']).execute();
  await db.schema.createIndex('actions_done_key_idx').on('actions').column('target_key').where(sql.ref('status'), '=', 'done').execute();

  await db.schema
    .createTable('action_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('action_id', 'uuid', (c) => c.notNull().references('actions.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_user_id', 'uuid')
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('action_events_action_idx').on('action_events').columns(['action_id', 'id']).execute();

  // Notices and case updates are alerts without a subscription: the outbox already allows that.
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['action_events', 'actions', 'contacts', 'referral_packages', 'custody_log', 'evidence_items', 'international_requests', 'case_consents', 'case_events', 'case_objects', 'cases']) {
    await db.schema.dropTable(t).execute();
  }
  await sql`drop sequence case_number_seq`.execute(db);
}
