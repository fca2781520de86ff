// API keys and tenants: the keys file is checked entry by entry, a Bearer header maps to its
// tenant, and anything else is a 401 with an OpenAI-style body.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { ApiError } from '../../../lib/server/api-error.js';
import { DEFAULT_TENANT, KeyRing } from '../../../lib/server/api-keys.js';

function keysFile(content: string): string {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'keys-')), 'keys.json');
  writeFileSync(f, content);
  return f;
}

function status(fn: () => unknown): number | string {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return err instanceof ApiError ? err.status : String(err);
  }
}

describe('KeyRing', () => {
  it('maps each key to its tenant; --api-key is the admin of tenant default', () => {
    const ring = KeyRing.load({
      apiKey: 'sk-admin-key',
      keysFile: keysFile(JSON.stringify({ keys: [{ key: 'sk-acme-0001', tenant: 'acme' }, { key: 'sk-beta-0001', tenant: 'beta', admin: true }] })),
    });
    expect(ring.size).toBe(3);
    expect(ring.authenticate('Bearer sk-admin-key')).toEqual({ tenant: DEFAULT_TENANT, admin: true });
    expect(ring.authenticate('Bearer sk-acme-0001')).toEqual({ tenant: 'acme', admin: false });
    expect(ring.authenticate('bearer   sk-beta-0001')).toEqual({ tenant: 'beta', admin: true });
  });

  it('answers 401 for a missing, malformed or unknown key, with OpenAI-style bodies', () => {
    const ring = new KeyRing([{ key: 'sk-acme-0001', tenant: 'acme' }]);
    expect(status(() => ring.authenticate(undefined))).toBe(401);
    expect(status(() => ring.authenticate('Basic abc'))).toBe(401);
    expect(status(() => ring.authenticate('Bearer sk-acme-0002'))).toBe(401);
    expect(status(() => ring.authenticate('Bearer sk-acme-0001 extra'))).toBe(401);
    try {
      ring.authenticate('Bearer nope-nope');
    } catch (err) {
      expect((err as ApiError).body()).toEqual({
        error: { message: 'the API key is not valid', type: 'authentication_error', param: null, code: 'invalid_api_key' },
      });
    }
  });

  it('with no key configured, every request is the admin of tenant default', () => {
    const ring = KeyRing.load({});
    expect(ring.enabled).toBe(false);
    expect(ring.authenticate(undefined)).toEqual({ tenant: DEFAULT_TENANT, admin: true });
  });

  it('refuses bad keys files naming the file and the entry', () => {
    expect(() => KeyRing.load({ keysFile: keysFile('{not json') })).toThrow(/keys file .*keys\.json: /);
    expect(() => KeyRing.load({ keysFile: keysFile('[]') })).toThrow(/expected an object \{ "keys"/);
    expect(() => KeyRing.load({ keysFile: keysFile('{"keys":[1]}') })).toThrow(/entry 0 must be an object/);
    expect(() => KeyRing.load({ keysFile: keysFile('{"keys":[{"key":"short","tenant":"a"}]}') })).toThrow(/entry 0: "key" must be a string of 8 to 512/);
    expect(() => KeyRing.load({ keysFile: keysFile('{"keys":[{"key":"sk-12345678","tenant":"../x"}]}') })).toThrow(/entry 0: tenant must be 1 to 128/);
    expect(() => KeyRing.load({ keysFile: keysFile('{"keys":[{"key":"sk-12345678","tenant":"a","admin":"yes"}]}') })).toThrow(/"admin" must be true or false/);
    expect(() =>
      KeyRing.load({ apiKey: 'sk-12345678', keysFile: keysFile('{"keys":[{"key":"sk-12345678","tenant":"a"}]}') }),
    ).toThrow(/entry 1: the same key is listed twice/);
  });
});
