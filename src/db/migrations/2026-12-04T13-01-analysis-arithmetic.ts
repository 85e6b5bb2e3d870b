import type { Kysely } from 'kysely';

// Analysis arithmetic (issue 11.5). A sanitised copy of an incident (the hub derives it at a lower
// TLP) is the same incident: it joins its original's cluster as a member that counts only for
// viewers who may not see the original (unless_sig), and the hub's contribution to it never counts
// as a reporting organisation (reporter = false). Clusters get a readable name.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analysis_signatures').addColumn('reporter', 'boolean', (c) => c.notNull().defaultTo(true)).execute();

  await db.schema.alterTable('analysis_cluster_members').addColumn('copy_of', 'text').execute();
  await db.schema.alterTable('analysis_cluster_members').addColumn('unless_sig', 'text', (c) => c.notNull().defaultTo('')).execute();

  await db.schema.alterTable('analysis_cluster_facts').addColumn('unless_sig', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('analysis_cluster_facts').dropConstraint('analysis_cluster_facts_pk').execute();
  await db.schema.alterTable('analysis_cluster_facts').addPrimaryKeyConstraint('analysis_cluster_facts_pk', ['cluster_id', 'sig', 'object_type', 'unless_sig']).execute();

  // Members written before copies were told apart are rewritten by the next run (their figures differ).
  await db.schema.alterTable('analysis_clusters').addColumn('name', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analysis_clusters').dropColumn('name').execute();
  await db.schema.alterTable('analysis_cluster_facts').dropConstraint('analysis_cluster_facts_pk').execute();
  await db.schema.alterTable('analysis_cluster_facts').dropColumn('unless_sig').execute();
  await db.schema.alterTable('analysis_cluster_facts').addPrimaryKeyConstraint('analysis_cluster_facts_pk', ['cluster_id', 'sig', 'object_type']).execute();
  await db.schema.alterTable('analysis_cluster_members').dropColumn('unless_sig').execute();
  await db.schema.alterTable('analysis_cluster_members').dropColumn('copy_of').execute();
  await db.schema.alterTable('analysis_signatures').dropColumn('reporter').execute();
}
