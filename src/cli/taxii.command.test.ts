import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kessetsu as cli, migratedFolder } from '../../test/support/cli.ts';

// `kessetsu taxii remotes enable|disable` and a hand pull: a disabled remote is not pulled by name either
// (the API refused it already; the command line pulled it).
describe('kessetsu taxii remotes enable|disable and pull', () => {
  let dir: string;
  let data: string[];
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-taxii-cli-'));
    data = ['--data', migratedFolder(path.join(dir, 'db'))];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to pull a disabled remote, names why, and enables it again', async () => {
    expect((await cli(['org', 'add', 'Foreign CERT', '--kind', 'international_partner', ...data])).code).toBe(0);
    const add = await cli(['taxii', 'remotes', 'add', 'peer', '--url', 'http://127.0.0.1:9/taxii2/api/collections/x/', '--partner', 'Foreign CERT', ...data]);
    expect(add.code, add.err).toBe(0);
    const off = await cli(['taxii', 'remotes', 'disable', 'peer', ...data]);
    expect(off.code, off.err).toBe(0);
    expect(JSON.parse(off.out)).toMatchObject({ name: 'peer', enabled: false });

    const byName = await cli(['taxii', 'pull', 'peer', ...data]);
    expect(byName.code).not.toBe(0);
    expect(byName.err).toContain('the remote peer is disabled: enable it before pulling');
    expect(byName.err).not.toContain('pull of peer failed');
    const all = await cli(['taxii', 'pull', ...data]);
    expect(all.code).not.toBe(0);
    expect(all.err).toContain('no enabled TAXII remotes (1 disabled)');

    // Enabled again, it is what a pull of all takes (the pull itself is taxii.federation's).
    const on = await cli(['taxii', 'remotes', 'enable', 'peer', ...data]);
    expect(JSON.parse(on.out)).toMatchObject({ name: 'peer', enabled: true });
  });
});
