/**
 * The profile database: one SQLite file (better-sqlite3, no server) holding each tenant's
 * users, their profile texts and the user vectors made from them (one per personalization
 * space).
 *
 * Durability: WAL journal with `synchronous = FULL`, so a write is in the WAL file and fsynced
 * before the call returns (and so before the HTTP answer acknowledges it). A SIGKILL, or a
 * power loss, at any later moment cannot lose it; one at an earlier moment loses the whole
 * transaction, never half of it (SQLite replays only committed WAL frames).
 * (`synchronous = NORMAL` would also survive a SIGKILL, since the WAL write reaches the OS
 * before the call returns, but not a power loss; the fsync per write is cheap next to
 * embedding the texts.)
 *
 * Erasure: `secure_delete = ON` zeroes deleted rows in the pages, and {@link ProfileStore.delete}
 * then checkpoints the WAL with TRUNCATE, so no copy of a deleted profile's texts or vector
 * is left in the database file or its WAL (what the file system keeps in freed blocks is out of
 * reach of a database).
 * @module
 */
import Database from 'better-sqlite3';

/** What the store knows about one user (never the texts themselves). */
export interface ProfileMeta {
  user: string;
  /** Number of profile texts. */
  items: number;
  /** Characters in all texts. */
  chars: number;
  /** Unix seconds. */
  createdAt: number;
  updatedAt: number;
  /** Spaces that have a stored user vector. */
  spaces: string[];
}

/** A user vector of a space. */
export interface StoredVector {
  space: string;
  vector: Float32Array;
}

const SCHEMA_VERSION = '1';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS profiles (
  tenant TEXT NOT NULL, user_id TEXT NOT NULL,
  items INTEGER NOT NULL, chars INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS profile_texts (
  tenant TEXT NOT NULL, user_id TEXT NOT NULL, position INTEGER NOT NULL, text TEXT NOT NULL,
  PRIMARY KEY (tenant, user_id, position),
  FOREIGN KEY (tenant, user_id) REFERENCES profiles (tenant, user_id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS profile_vectors (
  tenant TEXT NOT NULL, user_id TEXT NOT NULL, space TEXT NOT NULL, dims INTEGER NOT NULL, vector BLOB NOT NULL,
  PRIMARY KEY (tenant, user_id, space),
  FOREIGN KEY (tenant, user_id) REFERENCES profiles (tenant, user_id) ON DELETE CASCADE
);
`;

interface ProfileRow {
  user_id: string;
  items: number;
  chars: number;
  created_at: number;
  updated_at: number;
  spaces: string | null;
}

const toMeta = (r: ProfileRow): ProfileMeta => ({
  user: r.user_id,
  items: r.items,
  chars: r.chars,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  spaces: r.spaces ? r.spaces.split('\u0001').sort() : [],
});

const toBlob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** The profile database; open with {@link ProfileStore.open}. All calls are synchronous. */
export class ProfileStore implements Disposable {
  readonly #db: Database.Database;
  readonly #stmts;

  private constructor(db: Database.Database, readonly file: string) {
    this.#db = db;
    const select = `SELECT p.user_id, p.items, p.chars, p.created_at, p.updated_at,
      (SELECT group_concat(v.space, char(1)) FROM profile_vectors v WHERE v.tenant = p.tenant AND v.user_id = p.user_id) AS spaces
      FROM profiles p`;
    this.#stmts = {
      get: db.prepare<[string, string], ProfileRow>(`${select} WHERE p.tenant = ? AND p.user_id = ?`),
      list: db.prepare<[string, string, number], ProfileRow>(`${select} WHERE p.tenant = ? AND p.user_id > ? ORDER BY p.user_id LIMIT ?`),
      upsert: db.prepare(
        `INSERT INTO profiles (tenant, user_id, items, chars, created_at, updated_at) VALUES (@tenant, @user, @items, @chars, @now, @now)
         ON CONFLICT (tenant, user_id) DO UPDATE SET items = excluded.items, chars = excluded.chars, updated_at = excluded.updated_at`,
      ),
      clearTexts: db.prepare('DELETE FROM profile_texts WHERE tenant = ? AND user_id = ?'),
      clearVectors: db.prepare('DELETE FROM profile_vectors WHERE tenant = ? AND user_id = ?'),
      addText: db.prepare('INSERT INTO profile_texts (tenant, user_id, position, text) VALUES (?, ?, ?, ?)'),
      setVector: db.prepare(
        `INSERT INTO profile_vectors (tenant, user_id, space, dims, vector) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (tenant, user_id, space) DO UPDATE SET dims = excluded.dims, vector = excluded.vector`,
      ),
      texts: db.prepare<[string, string], { text: string }>('SELECT text FROM profile_texts WHERE tenant = ? AND user_id = ? ORDER BY position'),
      vector: db.prepare<[string, string, string], { dims: number; vector: Buffer }>(
        'SELECT dims, vector FROM profile_vectors WHERE tenant = ? AND user_id = ? AND space = ?',
      ),
      remove: db.prepare('DELETE FROM profiles WHERE tenant = ? AND user_id = ?'),
      count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM profiles WHERE tenant = ?'),
    };
  }

  /**
   * Opens (creating when absent) the database file.
   * @param file - the SQLite file
   * @throws Error naming the file when it cannot be opened or is not this server's database
   */
  static open(file: string): ProfileStore {
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('secure_delete = ON');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      const v = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema'").get();
      if (v === undefined) db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
      else if (v.value !== SCHEMA_VERSION) throw new Error(`schema version ${v.value}, this server writes version ${SCHEMA_VERSION}`);
    } catch (err) {
      throw new Error(`cannot open the profile database ${file}: ${(err as Error).message}`);
    }
    return new ProfileStore(db, file);
  }

  /**
   * Stores a user's profile (replacing any earlier one) with its vectors, in one transaction.
   * @returns whether the user is new, and the stored metadata
   */
  put(tenant: string, user: string, texts: readonly string[], vectors: readonly StoredVector[]): { created: boolean; meta: ProfileMeta } {
    const now = Math.floor(Date.now() / 1000);
    const chars = texts.reduce((n, t) => n + t.length, 0);
    const tx = this.#db.transaction(() => {
      const created = this.#stmts.get.get(tenant, user) === undefined;
      this.#stmts.upsert.run({ tenant, user, items: texts.length, chars, now });
      this.#stmts.clearTexts.run(tenant, user);
      this.#stmts.clearVectors.run(tenant, user);
      texts.forEach((t, i) => this.#stmts.addText.run(tenant, user, i, t));
      for (const v of vectors) this.#stmts.setVector.run(tenant, user, v.space, v.vector.length, toBlob(v.vector));
      return created;
    });
    const created = tx.immediate();
    return { created, meta: this.get(tenant, user)! };
  }

  /** Adds or replaces the vector of one space (e.g. made on first use after a space change). */
  setVector(tenant: string, user: string, v: StoredVector): void {
    this.#stmts.setVector.run(tenant, user, v.space, v.vector.length, toBlob(v.vector));
  }

  /** The user's metadata, or undefined when the tenant has no such user. */
  get(tenant: string, user: string): ProfileMeta | undefined {
    const r = this.#stmts.get.get(tenant, user);
    return r && toMeta(r);
  }

  /** Users of a tenant in id order, after `after`, at most `limit`. */
  list(tenant: string, limit: number, after = ''): ProfileMeta[] {
    return this.#stmts.list.all(tenant, after, limit).map(toMeta);
  }

  /** Number of users of a tenant. */
  count(tenant: string): number {
    return this.#stmts.count.get(tenant)!.n;
  }

  /** The profile texts in the order given. */
  texts(tenant: string, user: string): string[] {
    return this.#stmts.texts.all(tenant, user).map((r) => r.text);
  }

  /** The stored vector of a space; undefined when absent or unreadable (it is then made again). */
  vector(tenant: string, user: string, space: string): Float32Array | undefined {
    const r = this.#stmts.vector.get(tenant, user, space);
    if (!r || r.vector.length !== r.dims * 4) return undefined;
    const v = new Float32Array(r.dims);
    new Uint8Array(v.buffer).set(r.vector);
    return v.every(Number.isFinite) ? v : undefined;
  }

  /**
   * Deletes a user's profile: texts, vectors and metadata; then truncates the WAL so no copy
   * remains in the files.
   * @returns whether the user existed
   */
  delete(tenant: string, user: string): boolean {
    const existed = this.#stmts.remove.run(tenant, user).changes > 0;
    if (existed) this.#db.pragma('wal_checkpoint(TRUNCATE)');
    return existed;
  }

  /** Closes the database (idempotent). */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
