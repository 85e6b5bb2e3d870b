import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import type { Storage } from '../db/database.ts';
import { generateEd25519Pem, hubKeyLoader, loadHubSigningKey, publicKeyFingerprint, verifyEd25519 } from './hub-key.ts';

describeStorage('hub signing key', (backend) => {
  let storage: Storage;
  let dir: string;
  beforeAll(async () => {
    storage = await backend.open();
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-hubkey-'));
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is generated once and shared by every loader on the same database, even when they race', async () => {
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadHubSigningKey(storage.db, { hubSigningKeyFile: undefined })));
    expect(new Set(keys.map((k) => k.fingerprint)).size).toBe(1);
    const again = await loadHubSigningKey(storage.db, { hubSigningKeyFile: undefined });
    expect(again.fingerprint).toBe(keys[0]!.fingerprint);
    expect(again.source).toBe('database');
    const msg = Buffer.from('manifest bytes');
    const sig = keys[1]!.sign(msg);
    expect(sig).toHaveLength(64);
    expect(again.verify(msg, sig)).toBe(true);
    expect(again.verify(Buffer.from('manifest bytez'), sig)).toBe(false);
    expect(verifyEd25519(again.publicKeyPem, msg, sig)).toBe(true);
    expect(again.fingerprint).toBe(publicKeyFingerprint(again.publicKeyPem));
    expect(again.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('a configured PEM file wins over the database key; a non-Ed25519 or missing file is refused', async () => {
    const file = path.join(dir, 'hub.pem');
    writeFileSync(file, generateEd25519Pem(), { mode: 0o600 });
    const fromFile = await loadHubSigningKey(storage.db, { hubSigningKeyFile: file });
    const fromDb = await loadHubSigningKey(storage.db, { hubSigningKeyFile: undefined });
    expect(fromFile.source).toBe('file');
    expect(fromFile.fingerprint).not.toBe(fromDb.fingerprint);
    const msg = Buffer.from('x');
    expect(fromDb.verify(msg, fromFile.sign(msg))).toBe(false);
    expect(verifyEd25519(fromDb.publicKeyPem, msg, fromFile.sign(msg))).toBe(false);

    const rsa = path.join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(loadHubSigningKey(storage.db, { hubSigningKeyFile: rsa })).rejects.toThrow(/must be Ed25519/);
    await expect(loadHubSigningKey(storage.db, { hubSigningKeyFile: path.join(dir, 'absent.pem') })).rejects.toThrow(/cannot read/);
    writeFileSync(path.join(dir, 'junk.pem'), 'not a key');
    await expect(loadHubSigningKey(storage.db, { hubSigningKeyFile: path.join(dir, 'junk.pem') })).rejects.toThrow(/not a readable private key/);
  });

  it('the loader answers one key and retries after a failure', async () => {
    const bad = hubKeyLoader(storage.db, { hubSigningKeyFile: path.join(dir, 'nope.pem') });
    await expect(bad()).rejects.toThrow();
    await expect(bad()).rejects.toThrow();
    const good = hubKeyLoader(storage.db, { hubSigningKeyFile: undefined });
    expect(await good()).toBe(await good());
  });

  it('malformed signatures and keys are a plain false', () => {
    const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyEd25519(pem, Buffer.from('a'), Buffer.alloc(3))).toBe(false);
    expect(verifyEd25519('garbage', Buffer.from('a'), Buffer.alloc(64))).toBe(false);
  });
});
