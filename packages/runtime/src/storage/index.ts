import { join } from 'node:path';
import {
  type DatabaseIntrospector,
  Kysely,
  PostgresDialect,
  PostgresIntrospector,
  SqliteDialect,
  sql,
  type TableMetadata,
} from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import pg from 'pg';
import { HonninError } from '../errors.ts';
import { openSqlite } from './sqlite.ts';

export { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Where a part keeps its data. Each part (an organisation in real life) owns a
 * separate store: its own SQLite file, or its own schema in PostgreSQL, so no
 * part can read another's tables by accident.
 */
export interface StorageOptions {
  /** the owning part: file name for SQLite, schema name for PostgreSQL */
  part: string;
  /** postgres://… — when absent, SQLite is used */
  databaseUrl?: string | undefined;
  /** folder for SQLite files (default ./data); ':memory:' for a throw-away database */
  dataDir?: string | undefined;
  /** pool size for PostgreSQL */
  poolSize?: number | undefined;
}

export interface Storage<DB> {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  readonly part: string;
  /** column type names that differ between the two dialects */
  readonly types: { blob: 'blob' | 'bytea'; json: 'text' | 'jsonb' };
  close(): Promise<void>;
}

const PART_NAME = /^[a-z][a-z0-9_]{0,40}$/;

export async function openStorage<DB>(opts: StorageOptions): Promise<Storage<DB>> {
  if (!PART_NAME.test(opts.part)) throw new HonninError('storage_part_invalid', `bad part name ${opts.part}`);
  if (opts.databaseUrl) {
    const url = opts.databaseUrl;
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new HonninError(
        'storage_url_invalid',
        'DATABASE_URL must start with postgres:// or postgresql://',
      );
    }
    // One schema per part; created before the pool that pins search_path to it.
    const admin = new pg.Client({ connectionString: url });
    try {
      await admin.connect();
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${opts.part}"`);
    } catch (e) {
      if ((e as { code?: string }).code !== '23505') {
        throw new HonninError('storage_unavailable', `cannot reach PostgreSQL: ${(e as Error).message}`, {
          status: 503,
          cause: e,
        });
      }
    } finally {
      await admin.end().catch(() => {});
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      options: `-c search_path="${opts.part}"`,
      types: { getTypeParser: pgTypeParser as never },
    });
    const db = new Kysely<DB>({ dialect: new PartDialect({ pool }) });
    return {
      db,
      dialect: 'postgres',
      part: opts.part,
      types: { blob: 'bytea', json: 'jsonb' },
      close: () => db.destroy(),
    };
  }
  const file = opts.dataDir === ':memory:' ? ':memory:' : join(opts.dataDir ?? 'data', `${opts.part}.sqlite`);
  const database = openSqlite(file);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    dialect: 'sqlite',
    part: opts.part,
    types: { blob: 'blob', json: 'text' },
    close: () => db.destroy(),
  };
}

/**
 * PostgreSQL whose introspection (what the migrator asks: does the migration
 * table exist?) looks at the part's own schema only. Kysely's own looks at every
 * schema of the database and fails when another part drops its schema meanwhile.
 */
class PartDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    const all = new PostgresIntrospector(db);
    return {
      getSchemas: () => all.getSchemas(),
      async getTables(): Promise<TableMetadata[]> {
        const { rows } = await sql<{ name: string; schema: string; kind: string }>`
          select c.relname as name, n.nspname as schema, c.relkind as kind
          from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p', 'f')`.execute(db);
        return rows.map((r) => ({
          name: r.name,
          schema: r.schema,
          isView: r.kind === 'v',
          isForeign: r.kind === 'f',
          columns: [],
        }));
      },
    };
  }
}

// int8 (counters, epoch-millisecond times) as numbers, like SQLite gives them.
function pgTypeParser(oid: number, format?: 'text' | 'binary') {
  if (oid === 20 && format !== 'binary')
    return (v: string) => {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : BigInt(v);
    };
  return pg.types.getTypeParser(oid, format as 'text');
}

/**
 * Runs a part's migrations (one ordered list, the same for both dialects). A
 * migration receives the storage so it can pick dialect-specific column types.
 */
export type PartMigration<DB = unknown> = {
  up(db: Kysely<unknown>, storage: Storage<DB>): Promise<void>;
  down?(db: Kysely<unknown>, storage: Storage<DB>): Promise<void>;
};

export async function migrate<DB>(
  storage: Storage<DB>,
  migrations: Record<string, PartMigration<DB>>,
): Promise<void> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) {
        out[name] = {
          up: (db) => m.up(db, storage),
          ...(m.down ? { down: (db: Kysely<unknown>) => m.down!(db, storage) } : {}),
        };
      }
      return out;
    },
  };
  const migrator = new Migrator({
    db: storage.db as Kysely<unknown>,
    provider,
    migrationTableName: 'honnin_migration',
    migrationLockTableName: 'honnin_migration_lock',
    // PostgreSQL: name the part's schema, or Kysely finds another part's table of the same name
    ...(storage.dialect === 'postgres' ? { migrationTableSchema: storage.part } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new HonninError(
      'storage_migration_failed',
      `migration ${failed?.migrationName ?? '?'} of ${storage.part} failed: ${(error as Error).message}`,
      { status: 500, cause: error },
    );
  }
}

/** Shorthand: open a part's storage and bring its schema up to date. */
export async function openMigratedStorage<DB>(
  opts: StorageOptions,
  migrations: Record<string, PartMigration<DB>>,
): Promise<Storage<DB>> {
  const storage = await openStorage<DB>(opts);
  try {
    await migrate(storage, migrations);
  } catch (e) {
    await storage.close();
    throw e;
  }
  return storage;
}

/** True when a database error is a unique-constraint violation, in either dialect. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; errcode?: string; message?: string };
  return err?.code === '23505' || /UNIQUE constraint failed/.test(err?.message ?? '');
}
