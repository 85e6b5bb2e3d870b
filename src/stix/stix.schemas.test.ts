import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { createStixValidator } from './stix.validator.ts';

const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A scratch copy of the OASIS schemas whose files declare another draft (all of them, or only the first). */
function copyDeclaring(draft: string, onlyFirst = false): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kessetsu-stix-schemas-'));
  temps.push(dir);
  cpSync(sharedData('stix', 'schemas'), dir, { recursive: true });
  let done = false;
  for (const folder of ['common', 'sdos', 'sros', 'observables']) {
    for (const name of readdirSync(path.join(dir, folder))) {
      if (done) continue;
      const file = path.join(dir, folder, name);
      writeFileSync(file, readFileSync(file, 'utf8').replace(DRAFT_2020, draft));
      done = onlyFirst;
    }
  }
  return dir;
}

const indicator = {
  type: 'indicator',
  spec_version: '2.1',
  id: 'indicator--33fe3b22-0201-47cf-85d0-97c02164528d',
  created: '2014-05-08T09:00:00.000Z',
  modified: '2014-05-08T09:00:00.000Z',
  pattern: "[ipv4-addr:value = '198.51.100.3']",
  pattern_type: 'stix',
  valid_from: '2014-05-08T09:00:00Z',
};

describe.runIf(hasSharedData())('loading the OASIS schemas', () => {
  it('picks the Ajv class of the draft the files declare', () => {
    // The same schemas declared as 2019-09 go to Ajv2019 and still judge the examples alike.
    const v = createStixValidator(copyDeclaring('https://json-schema.org/draft/2019-09/schema'));
    for (const f of readdirSync(sharedData('stix', 'oasis-examples')).filter((n) => n.endsWith('.json'))) {
      const json = JSON.parse(readFileSync(sharedData('stix', 'oasis-examples', f), 'utf8')) as unknown;
      expect(v.validateBundle(json).errors, f).toEqual([]);
    }
    expect(v.validateObject({ ...indicator, name: 5 }, 'objects[0]')).toEqual([{ where: 'objects[0].name', reason: 'must be string (schema)' }]);
  });

  it('refuses schemas that mix drafts or use one Ajv 8 cannot read', () => {
    expect(() => createStixValidator(copyDeclaring('https://json-schema.org/draft/2019-09/schema', true))).toThrow(/mix JSON Schema drafts/);
    expect(() => createStixValidator(copyDeclaring('http://json-schema.org/draft-04/schema#'))).toThrow(/draft-04.*not supported/);
  });

  it('names the folder it cannot read', () => {
    expect(() => createStixValidator('/nonexistent/stix-schemas')).toThrow(/cannot read \/nonexistent\/stix-schemas\/common/);
  });
});
