import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SqliteDialect expects better-sqlite3's shape. Node ≥ 22 ships SQLite
 * (`node:sqlite`), which saves every laptop a native build; this adapts its
 * statements (spread parameters, no `reader` flag) to that shape.
 */
class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #stmt: StatementSync;
  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...(parameters.map(toSqlite) as never[]));
  }
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#stmt.run(...(parameters.map(toSqlite) as never[]));
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...(parameters.map(toSqlite) as never[])) as IterableIterator<unknown>;
  }
}

/** node:sqlite binds only null, numbers, bigints, strings and bytes. */
function toSqlite(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** Distinct SQL texts whose prepared statements are kept (a part issues a few dozen). */
const STATEMENT_CACHE_SIZE = 500;

export function openSqlite(file: string): SqliteDatabase & { raw: DatabaseSync } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;',
  );
  // Kysely prepares every query it runs, and compiling the same SQL again cost more than
  // running it (a third of a login's SQLite time). Statements are kept per SQL text, the
  // least recently used dropped. Sharing one is safe: all() and run() leave it reset, and a
  // stream holds the connection (Kysely's mutex) until its iterator is closed, which resets it.
  const statements = new Map<string, NodeSqliteStatement>();
  return {
    raw: db,
    close: () => {
      statements.clear();
      db.close();
    },
    prepare: (sql: string) => {
      let stmt = statements.get(sql);
      if (stmt) statements.delete(sql);
      else stmt = new NodeSqliteStatement(db.prepare(sql));
      statements.set(sql, stmt);
      if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      return stmt;
    },
  };
}
