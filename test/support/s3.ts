import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';
import { loadConfig, type EvidenceS3Config } from '../../src/config/config.ts';
import { checkSigV4 } from './sigv4.ts';

/** A real S3-protocol server (s3rver) on 127.0.0.1 at a free port, with a bucket and a key pair of its own. */
export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  /** The secret access key (tests look for it in logs and answers). */
  readonly secret: string;
  /** The environment that points the hub's evidence store at this server. */
  readonly env: Record<string, string>;
  /** The store configuration parsed from `env` as the hub parses it (with overrides). */
  config(env?: Record<string, string>): EvidenceS3Config;
  /** A plain client of the server (to list, tamper, delete behind the store's back). */
  readonly client: S3Client;
  /** Every key in the bucket. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1:0 with files in a temporary folder, behind a check of SigV4 signatures
 * (s3rver checks access key ids only); `close()` stops it and removes them.
 */
export async function startS3(bucket = 'kessetsu-evidence'): Promise<TestS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-s3-'));
  const accessKeyId = `KT${randomBytes(6).toString('hex').toUpperCase()}`;
  const secret = `s3cr3t-${randomBytes(18).toString('base64url')}`;
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secret);
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const secrets = new Map([[accessKeyId, secret]]);
  const server: Server = createServer((req, res) => {
    if (checkSigV4(req, secrets) === 'mismatch') {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message></Error>');
      req.resume();
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    KESSETSU_EVIDENCE_S3_ENDPOINT: endpoint,
    KESSETSU_EVIDENCE_S3_BUCKET: bucket,
    KESSETSU_EVIDENCE_S3_ACCESS_KEY_ID: accessKeyId,
    KESSETSU_EVIDENCE_S3_SECRET_ACCESS_KEY: secret,
  };
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey: secret }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  return {
    endpoint,
    bucket,
    accessKeyId,
    secret,
    env,
    client,
    config: (over = {}) => loadConfig({ ...env, ...over }).evidenceS3!,
    async keys() {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const o of r.Contents ?? []) out.push(o.Key!);
        token = r.NextContinuationToken;
      } while (token);
      return out.sort();
    },
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      AWSAccount.DUMMY_ACCOUNT.revokeAccessKey(accessKeyId);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
