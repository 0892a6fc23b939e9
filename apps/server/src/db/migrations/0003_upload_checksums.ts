import { sql, type Kysely } from 'kysely';

/**
 * Resumable uploads sign every part URL for the part's Content-MD5, so the upload row keeps the checksums the
 * client declared (a replayed POST /sessions or GET /uploads/{id} re-signs missing parts without asking again).
 * A session has at most one live upload.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table uploads add column part_md5s text[] not null default '{}'`.execute(db);
  await sql`alter table uploads alter column part_md5s drop default`.execute(db);
  await sql`alter table uploads add constraint uploads_part_md5s_count check (cardinality(part_md5s) = part_count)`.execute(
    db,
  );
  await sql`create unique index uploads_one_live_per_session_idx on uploads (session_id) where status <> 'aborted'`.execute(
    db,
  );
  await sql`drop index uploads_session_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index uploads_session_idx on uploads (session_id)`.execute(db);
  await sql`drop index uploads_one_live_per_session_idx`.execute(db);
  await sql`alter table uploads drop constraint uploads_part_md5s_count`.execute(db);
  await sql`alter table uploads drop column part_md5s`.execute(db);
}
