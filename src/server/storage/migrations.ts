import { Migrator, SqliteAdapter, sql, type Kysely, type Migration } from 'kysely'
import { newEpoch } from './database-epoch'
import { newRecoveryKey } from './device-recovery'
import type { Database } from './schema'

/**
 * The schema's history, in code (no migration files to ship): one list for both engines, so only portable
 * column types appear. Append a new migration for every change; never edit one that has shipped.
 */
// Migrations run against any schema version, so they take the database untyped.
export const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('community_id', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()

      await db.schema
        .createTable('user_buildings')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('building_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_buildings_pk', ['user_id', 'building_id'])
        .execute()

      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute()
      await db.schema.createIndex('devices_user').on('devices').column('user_id').execute()

      await db.schema
        .createTable('records')
        .addColumn('table_name', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('community_id', 'text', (c) => c.notNull())
        .addColumn('building_id', 'text')
        .addColumn('created_by', 'text')
        .addColumn('rev', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('field_revs', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('records_pk', ['table_name', 'id'])
        .execute()
      // Pull reads in revision order within a scope; each change has its own revision.
      await db.schema.createIndex('records_rev').on('records').column('rev').unique().execute()
      await db.schema.createIndex('records_community_rev').on('records').columns(['community_id', 'rev']).execute()
      await db.schema.createIndex('records_building_rev').on('records').columns(['building_id', 'rev']).execute()

      await db.schema
        .createTable('mutations')
        .addColumn('mutation_id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('device_seq', 'bigint', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('counter')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute()
      await sql`insert into counter (id, value) values (1, 0)`.execute(db)

      await db.schema
        .createTable('attachments')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        // PostgreSQL's binary type. SQLite accepts any type name and never fills this column (its
        // attachments are files), so one migration serves both.
        .addColumn('content', 'bytea')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('uploaded_by', 'text', (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('attachment_refs')
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('table_name', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('attachment_refs_pk', ['sha256', 'table_name', 'record_id'])
        .execute()
    },
  },
  '0002-records-device': {
    // Which device made a record, as a column: a sign-in asks how many records the user's earlier devices made.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('records').addColumn('device_id', 'text').execute()
      await db.schema.createIndex('records_device').on('records').column('device_id').execute()
      // Records stored before now name their device only inside their JSON, which the two engines query
      // differently: the backfill reads and writes them in pages instead.
      let after = -1
      for (;;) {
        const { rows } = await sql<{ table_name: string; id: string; rev: number | string; data: string }>`
          select table_name, id, rev, data from records where created_by is not null and rev > ${after} order by rev limit 500
        `.execute(db)
        if (!rows.length) return
        for (const row of rows) {
          const { deviceId } = JSON.parse(row.data) as { deviceId?: unknown }
          if (typeof deviceId !== 'string') continue
          await sql`update records set device_id = ${deviceId} where table_name = ${row.table_name} and id = ${row.id}`.execute(db)
        }
        after = Number(rows.at(-1)!.rev)
      }
    },
  },
  '0003-attachments-by-uploader': {
    // The upload quota sums what one user uploaded that no record names, at every upload.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('attachments_uploaded_by').on('attachments').column('uploaded_by').execute()
      // The sweep looks for old uploads.
      await db.schema.createIndex('attachments_created_at').on('attachments').column('created_at').execute()
    },
  },
  '0004-rate-limits': {
    // Sign-in limits live in the database, so that every server behind a load balancer counts the same hits.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rate_limits')
        .addColumn('limit_key', 'text', (c) => c.primaryKey())
        .addColumn('hits', 'integer', (c) => c.notNull())
        // Milliseconds since the epoch: compared with the server's clock, never with the database's.
        .addColumn('resets_at', 'bigint', (c) => c.notNull())
        .execute()
    },
  },
  '0005-attachment-uploads': {
    // A photo may be uploaded by several users (the same bytes on two phones); each of them may name it.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('attachment_uploads')
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('attachment_uploads_pk', ['sha256', 'user_id'])
        .execute()
      await sql`insert into attachment_uploads (sha256, user_id, created_at) select sha256, uploaded_by, created_at from attachments`.execute(db)
    },
  },
  '0006-accounts': {
    // One-time passwords, admins of no community, and name cards of the users for the phones. All or nothing,
    // with foreign keys off on SQLite for the rebuild of users (accountColumns).
    async up(db: Kysely<unknown>) {
      await atomically(db, true, async (trx) => {
        await accountColumns(trx)
        // An admin works across the communities of the server now, not in the one it was created with.
        await sql`update users set community_id = null where role = 'admin'`.execute(trx)
        // The cards of the users made before cards existed, each with a revision of its own (kysely-storage.ts).
        const { rows: users } = await sql<{ id: string; display_name: string; role: string; community_id: string; disabled: number | boolean }>`
          select id, display_name, role, community_id, disabled from users where community_id is not null order by id
        `.execute(trx)
        const { rows: counter } = await sql<{ value: number | string }>`select value from counter where id = 1`.execute(trx)
        if (!counter[0]) throw new Error('No revision counter')
        let rev = Number(counter[0].value)
        const at = new Date().toISOString()
        for (const user of users) {
          const card = { id: user.id, communityId: user.community_id, displayName: user.display_name, role: user.role, active: !user.disabled }
          await sql`
            insert into records (table_name, id, community_id, building_id, created_by, device_id, rev, data, field_revs, deleted_at, updated_at)
            values ('users', ${user.id}, ${user.community_id}, null, null, null, ${++rev}, ${JSON.stringify(card)}, '{}', null, ${at})
          `.execute(trx)
        }
        await sql`update counter set value = ${rev} where id = 1`.execute(trx)
      })
    },
  },
  '0007-template-keys-per-community': {
    // A template's key carries its community (`templateKey`, as it was written then): two communities may both
    // call a template `t-fire`. A community has a handful of templates, so their keys are read at once. All or
    // nothing: run again after an interruption, half-rewritten keys would get their community twice.
    async up(db: Kysely<unknown>) {
      await atomically(db, false, async (trx) => {
        const { rows } = await sql<{ id: string; community_id: string }>`select id, community_id from records where table_name = 'templates'`.execute(trx)
        for (const row of rows) {
          const key = `${encodeURIComponent(row.community_id)}/${row.id}`
          await sql`update records set id = ${key} where table_name = 'templates' and id = ${row.id}`.execute(trx)
        }
      })
    },
  },
  '0008-device-health': {
    // What each phone last reported of itself at the end of a sync run (src/domain/devices.ts); all null until
    // it does (an older app never does). SQLite adds one column per statement.
    async up(db: Kysely<unknown>) {
      const columns = [
        ['health_reported_at', 'text'],
        ['app_version', 'text'],
        ['outbox_size', 'integer'],
        ['oldest_unsent_at', 'text'],
        ['storage_persisted', 'integer'],
        ['storage_used_bytes', 'bigint'],
        ['last_full_sync_at', 'text'],
      ] as const
      for (const [name, type] of columns) await db.schema.alterTable('devices').addColumn(name, type).execute()
    },
  },
  '0009-account-phone': {
    // The number the office calls a leader on (the devices page: a phone holding unsent work).
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('phone', 'text').execute()
    },
  },
  '0010-device-revocation-mode': {
    // How the office revoked a device (DeviceRevocation): null for a phone's own sign-out and earlier revocations.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('devices').addColumn('revocation', 'text').execute()
    },
  },
  '0011-audit': {
    // Who read, exported or imported residents' data and what the office did to accounts and devices (AuditEvent).
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_role', 'text', (c) => c.notNull())
        .addColumn('community_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('rows', 'integer')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute()
      // The admin's page reads newest first, of all communities or one.
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute()
      await db.schema.createIndex('audit_events_community_at').on('audit_events').columns(['community_id', 'at']).execute()
    },
  },
  '0012-sign-in-throttle': {
    // Growing delays per account and address: a failure blocks the next attempt until a time of its own.
    // The fixed windows counted until now are dropped: their keys are no longer asked for.
    async up(db: Kysely<unknown>) {
      await db.deleteFrom('rate_limits' as never).execute()
      await db.schema.alterTable('rate_limits').addColumn('blocked_until', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
    },
  },
  '0013-device-recovery-key': {
    // Each device's RecoveryKey (./device-recovery.ts). The devices signed in before it get theirs here, not
    // when first asked: a phone that sets its first PIN after an update can then fetch it with the password
    // like any other. All or nothing, so that no device is left without one.
    async up(db: Kysely<unknown>) {
      await atomically(db, false, async (trx) => {
        await trx.schema.alterTable('devices').addColumn('recovery_key', 'text').execute()
        const { rows } = await sql<{ id: string }>`select id from devices`.execute(trx)
        for (const { id } of rows) await sql`update devices set recovery_key = ${newRecoveryKey()} where id = ${id}`.execute(trx)
      })
    },
  },
  '0014-records-echo-device': {
    // records.echo_device (schema.ts): which device's exact echo wrote each row. Rows from before are nobody's,
    // so every device still pulls them.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('records').addColumn('echo_device', 'text').execute()
    },
  },
  '0015-canvass-links': {
    // One-time answer links (canvass-link-storage.ts): only the token's SHA-256 is kept, looked up by it.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('canvass_links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('community_id', 'text', (c) => c.notNull())
        .addColumn('building_id', 'text', (c) => c.notNull())
        .addColumn('canvass_id', 'text', (c) => c.notNull())
        .addColumn('household_id', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute()
      await db.schema.createIndex('canvass_links_canvass').on('canvass_links').columns(['canvass_id', 'household_id']).execute()
    },
  },
  '0017-point-adjustments': {
    // records.for_user (schema.ts): the one leader who pulls a row, for the office's adjustments of a leader's
    // points (reference table `pointAdjustments`). Rows from before are anyone's in their scope, as they were.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('records').addColumn('for_user', 'text').execute()
    },
  },
  '0018-mentorships': {
    // The office's pairings of a new leader with an experienced one (Mentorship in src/domain/mentorship.ts).
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('mentorships')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('community_id', 'text', (c) => c.notNull())
        .addColumn('mentor_id', 'text', (c) => c.notNull())
        .addColumn('mentee_id', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('started_by', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('ended_by', 'text')
        .execute()
      // The workspace lists a community's pairings, a mentor's phone asks for theirs.
      await db.schema.createIndex('mentorships_community').on('mentorships').columns(['community_id', 'ended_at']).execute()
      await db.schema.createIndex('mentorships_mentor').on('mentorships').columns(['mentor_id', 'ended_at']).execute()
      // A mentee has one mentor at a time, even when two offices pair them at once: the pairing that lasts, if any.
      await sql`create unique index mentorships_active_mentee on mentorships (mentee_id) where ended_at is null`.execute(db)
    },
  },
  '0019-job-leases': {
    // Periodic jobs (the sweep) that every server of a cluster times: the one holding the lease runs them.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_leases')
        .addColumn('job', 'text', (c) => c.primaryKey())
        .addColumn('held_until', 'bigint', (c) => c.notNull())
        .execute()
    },
  },
  '0020-database-epoch': {
    // database_epoch (./database-epoch.ts): one row, the epoch, made here and changed by every restore.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('database_epoch')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('epoch', 'text', (c) => c.notNull())
        .execute()
      await sql`insert into database_epoch (id, epoch) values (1, ${newEpoch()})`.execute(db)
    },
  },
  '0021-city-indexes': {
    // Found by tests/integration/query-plans.test.ts. An office lists its community's accounts by username and
    // its devices through them, and the admin counts each community's: with a city's tens of thousands of
    // accounts, read by community, not whole. A canvass's links are listed newest first, along one index.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('users_community').on('users').columns(['community_id', 'username']).execute()
      await db.schema.createIndex('canvass_links_canvass_id').on('canvass_links').columns(['canvass_id', 'id']).execute()
    },
  },
  '0022-push-batch': {
    // PostgreSQL: a push's locked part in one round trip (KyselyStorage's push; docs/sync-protocol.md). SQLite has
    // one writer at a time and no procedures: nothing to do.
    async up(db: Kysely<unknown>) {
      if (db.getExecutor().adapter instanceof SqliteAdapter) return
      await sql.raw(PUSH_BATCH).execute(db)
    },
  },
}

/**
 * Writes a push's rows, decided unlocked from what was committed at revision `seen` and numbered after `expected`,
 * if they still hold: under the counter's lock, it asks whether what the batch read has changed since `seen` (one
 * of its mutation ids answered, a pairing its notes name ended, or, when revisions were taken, a record it looked
 * up, a version of a template it publishes, or with `any_write` anything written). If not, and the counter stands
 * at `expected`, it writes the rows, takes the revisions and commits; else it rolls back and answers where the
 * counter stood. A procedure, called outside any transaction, so that it can commit: the counter's lock is held
 * for these statements and the commit's flush alone, never across a round trip to the server. Each statement
 * takes a fresh snapshot (read committed), so the check sees what was committed before the lock was granted.
 * Records are replaced by deleting and inserting whole rows: every column comes from the row `encodeRecord` makes,
 * and one it leaves out is written NULL, not its default.
 */
const PUSH_BATCH = `
create or replace procedure push_batch(
  seen bigint, expected bigint, taken bigint,
  fresh text[], read_tables text[], read_ids text[], template_prefixes text[], any_write boolean, pairings text[],
  record_rows json, ref_rows json, answer_rows json,
  inout written boolean default null, inout counter_value bigint default null)
language plpgsql as $$
declare
  replaced record;
begin
  update counter set value = value + taken where id = 1 returning value - taken into strict counter_value;
  -- Each question its own subquery, so that each is planned along its own index.
  written := counter_value = expected
    and not exists (select 1 from mutations where mutation_id = any (fresh))
    and not exists (select 1 from mentorships where id = any (pairings) and ended_at is not null);
  if written and counter_value > seen then
    written := not exists (select 1 from unnest(read_tables, read_ids) k (table_name, id) join records r using (table_name, id) where r.rev > seen)
      and not (any_write and exists (select 1 from records r where r.rev > seen))
      and not (cardinality(template_prefixes) > 0 and exists (
        select 1 from records r where r.rev > seen and r.table_name = 'templates' and exists (select 1 from unnest(template_prefixes) p where starts_with(r.id, p))));
  end if;
  if written is not true then
    rollback;
    return;
  end if;
  -- Row by row along the primary key: a join with the rows would be planned once for every size of batch and
  -- table, and PostgreSQL's guess of 100 rows from the function makes it scan the whole table.
  for replaced in select n.table_name, n.id from json_populate_recordset(null::records, record_rows) n loop
    delete from records r where r.table_name = replaced.table_name and r.id = replaced.id;
  end loop;
  insert into records select * from json_populate_recordset(null::records, record_rows);
  insert into attachment_refs select * from json_populate_recordset(null::attachment_refs, ref_rows) on conflict do nothing;
  insert into mutations select * from json_populate_recordset(null::mutations, answer_rows);
  commit;
end $$`

/**
 * Runs a migration's work as one transaction, so that an interrupted one leaves the database as it was and
 * runs whole at the next start. PostgreSQL migrations already run in one (Kysely: transactional DDL);
 * SQLite ones run outside any, on the one connection. There `foreignKeysOff` turns enforcement off around
 * the transaction (a pragma cannot change inside one), to rebuild a table that others reference.
 */
async function atomically(db: Kysely<unknown>, foreignKeysOff: boolean, work: (trx: Kysely<unknown>) => Promise<void>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return work(db)
  if (foreignKeysOff) await sql`pragma foreign_keys = off`.execute(db)
  try {
    await db.transaction().execute(work)
  } finally {
    if (foreignKeysOff) await sql`pragma foreign_keys = on`.execute(db)
  }
}

/**
 * users.must_change_password, and users.community_id without NOT NULL. PostgreSQL alters the table; SQLite
 * cannot drop a NOT NULL, so the table is rebuilt the way SQLite documents
 * (https://sqlite.org/lang_altertable.html#otheralter), with foreign keys off (see atomically), or dropping
 * the old table would cascade into devices and user_buildings.
 */
async function accountColumns(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    await db.schema.alterTable('users').addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0)).execute()
    await sql`alter table users alter column community_id drop not null`.execute(db)
    return
  }
  await db.schema
    .createTable('users_new')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('community_id', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`insert into users_new select id, username, display_name, role, community_id, password_hash, disabled, 0 from users`.execute(db)
  await sql`drop table users`.execute(db)
  await sql`alter table users_new rename to users`.execute(db)
  const { rows } = await sql`pragma foreign_key_check`.execute(db)
  if (rows.length > 0) throw new Error('Rebuilding users broke a foreign key')
}

/** Brings the database to the newest schema. Safe at every start and from several servers at once (Kysely locks). */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
  const { error, results } = await migrator.migrateToLatest()
  if (!error) return
  const failed = results?.find((r) => r.status === 'Error')
  throw new Error(failed ? `Database migration ${failed.migrationName} failed` : 'Database migration failed', { cause: error })
}
