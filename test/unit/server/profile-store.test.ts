// The profile database: tenants never see each other's users, a write is durable when put()
// returns (reopened and read back), and a deleted profile leaves no byte of its texts or vector
// in the database file or its WAL.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { ProfileStore } from '../../../lib/server/profile-store.js';

const dbFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'profiles-')), 'p.db');
const vec = (...v: number[]) => Float32Array.from(v);

function fileBytes(file: string): Buffer {
  return Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
}

describe('ProfileStore', () => {
  it('stores texts and vectors per tenant, and tenants do not see each other', () => {
    const file = dbFile();
    using store = ProfileStore.open(file);
    const first = store.put('acme', 'alice', ['one text', 'two'], [{ space: 'native:x', vector: vec(0.6, 0.8) }]);
    expect(first.created).toBe(true);
    expect(first.meta).toMatchObject({ user: 'alice', items: 2, chars: 11, spaces: ['native:x'] });
    expect(store.put('acme', 'alice', ['three'], [{ space: 'native:x', vector: vec(1, 0) }]).created).toBe(false);
    store.put('other', 'alice', ['secret'], [{ space: 'native:x', vector: vec(0, 1) }]);
    expect(store.texts('acme', 'alice')).toEqual(['three']);
    expect(Array.from(store.vector('acme', 'alice', 'native:x')!)).toEqual([1, 0]);
    expect(store.vector('acme', 'alice', 'sbert:y')).toBeUndefined();
    expect(store.get('nobody', 'alice')).toBeUndefined();
    expect(store.list('acme', 10).map((m) => m.user)).toEqual(['alice']);
    expect(store.count('other')).toBe(1);
    expect(store.delete('other', 'alice')).toBe(true);
    expect(store.get('acme', 'alice')?.items).toBe(1);
    expect(store.delete('other', 'alice')).toBe(false);
  });

  it('keeps every write after a reopen, with its vector bit for bit', () => {
    const file = dbFile();
    const v = vec(0.1, -0.2, 0.30000001, 1e-30);
    {
      using store = ProfileStore.open(file);
      for (let i = 0; i < 20; i++) store.put('t', `u${i}`, [`text ${i}`], [{ space: 's', vector: v }]);
      store.setVector('t', 'u3', { space: 's2', vector: vec(1) });
    }
    using again = ProfileStore.open(file);
    expect(again.count('t')).toBe(20);
    expect(again.texts('t', 'u7')).toEqual(['text 7']);
    expect(Array.from(again.vector('t', 'u19', 's')!)).toEqual(Array.from(v));
    expect(again.get('t', 'u3')!.spaces).toEqual(['s', 's2']);
  });

  it('leaves no trace of a deleted profile in the database file or its WAL', () => {
    const file = dbFile();
    using store = ProfileStore.open(file);
    const marker = 'ZQX-private-diary-entry-7731';
    const vector = vec(...Array.from({ length: 16 }, (_, i) => 1234.5678 + i));
    const vectorBytes = Buffer.from(vector.buffer);
    store.put('acme', 'keeper', ['kept text of another user'], [{ space: 's', vector: vec(1, 2) }]);
    store.put('acme', 'victim', [`${marker} one`, `${marker} two`.repeat(200)], [{ space: 's', vector }]);
    store.put('acme', 'victim', [`${marker} three`], [{ space: 's', vector }]); // an older version sits in the WAL too
    expect(fileBytes(file).includes(marker)).toBe(true);
    expect(fileBytes(file).includes(vectorBytes)).toBe(true);
    expect(store.delete('acme', 'victim')).toBe(true);
    const after = fileBytes(file);
    expect(after.includes(marker)).toBe(false);
    expect(after.includes(vectorBytes)).toBe(false);
    expect(after.includes('kept text of another user')).toBe(true);
    expect(store.texts('acme', 'victim')).toEqual([]);
  });

  it('refuses a file that is not a database, naming it', () => {
    const file = dbFile();
    writeFileSync(file, 'this is not sqlite'.repeat(100));
    expect(() => ProfileStore.open(file)).toThrow(new RegExp(`cannot open the profile database ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });
});
