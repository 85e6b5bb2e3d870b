import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { createStixValidator } from './stix.validator.ts';
import { deterministicId } from './deterministic-id.ts';
import { EXTENSION_DEFINITIONS, EXT_IDS, HUB_IDENTITY, SCO_SCHEMAS, damageOf, scoExtensions, sectorIdentity, withDamage } from './extensions.ts';
import type { StixObject } from './stix.types.ts';

const v = createStixValidator(hasSharedData() ? sharedData('stix', 'schemas') : undefined);

function sco(type: string, props: Record<string, unknown>): StixObject {
  return { type, spec_version: '2.1', id: deterministicId(type, props)!, ...props, extensions: scoExtensions(type) };
}

const bank = { country: 'JP', bank_code: '0001', branch_code: '001', account_type: 'futsu', account_number: '1234567' };

describe('extension definitions and the hub identity', () => {
  it('are valid STIX 2.1 objects, without warnings', () => {
    const r = v.validateBundle({ type: 'bundle', id: 'bundle--5d0e3f1c-8c1b-4a53-9f0e-3a6b8c2d1e4f', objects: [HUB_IDENTITY, ...EXTENSION_DEFINITIONS] });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.objects).toHaveLength(5);
  });

  it('keep their published ids (partners rely on them)', () => {
    expect(EXT_IDS).toEqual({
      bankAccount: 'extension-definition--8e96a398-678f-4633-ad2c-f9c17539b52c',
      phoneNumber: 'extension-definition--8783cd46-c170-44be-ac85-608d5c934323',
      cryptocurrencyWallet: 'extension-definition--3ec5bd7b-916c-4523-a39f-e9681fbfe7a5',
      incidentDamage: 'extension-definition--0ad1a924-8dbc-4aa2-a143-10345233979b',
    });
    expect(HUB_IDENTITY.id).toBe('identity--ae5028d4-9354-4f19-a076-7bf6b25fdb36');
    expect(EXTENSION_DEFINITIONS.map((d) => d.id)).toEqual(Object.values(EXT_IDS));
    for (const d of EXTENSION_DEFINITIONS) expect(d.created_by_ref).toBe(HUB_IDENTITY.id);
  });

  it('publish the very schemas the validator uses', () => {
    const byName = Object.fromEntries(EXTENSION_DEFINITIONS.map((d) => [d.id, JSON.parse(d.schema as string) as { title: string }]));
    expect(byName[EXT_IDS.bankAccount]).toEqual(SCO_SCHEMAS['bank-account']);
    expect(byName[EXT_IDS.incidentDamage]!.title).toBe('incident-damage');
    expect(EXTENSION_DEFINITIONS.map((d) => d.extension_types)).toEqual([['new-sco'], ['new-sco'], ['new-sco'], ['property-extension']]);
  });
});

describe('Kessetsu SCOs', () => {
  it('have the spec deterministic ids over their id-contributing properties', () => {
    // Computed independently with Python: uuid5(STIX namespace, json.dumps(props, sort_keys=True, separators=(',', ':'))).
    expect(sco('bank-account', { ...bank, holder_name: 'ヤマダ タロウ' }).id).toBe('bank-account--bf7182b9-942f-5693-8ae9-f52f261dab4e');
    expect(sco('phone-number', { value: '+81312345678', country: 'JP' }).id).toBe('phone-number--2f5f65ff-0c3b-51a5-a6f7-e2fc75ab73f5');
    expect(sco('cryptocurrency-wallet', { chain: 'bitcoin', address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa' }).id).toBe(
      'cryptocurrency-wallet--61f017c9-1eb1-5400-aef2-1ac9e3428569',
    );
  });

  const valid: [string, StixObject][] = [
    ['a Japanese bank account', sco('bank-account', { ...bank, holder_name: 'ヤマダ タロウ', bank_name: 'みずほ銀行' })],
    ['a foreign bank account by IBAN', sco('bank-account', { country: 'DE', account_type: 'other', account_number: 'DE89370400440532013000' })],
    ['a phone number', sco('phone-number', { value: '+81312345678', country: 'JP' })],
    ['a legacy bitcoin address', sco('cryptocurrency-wallet', { chain: 'bitcoin', address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa' })],
    ['a bech32 bitcoin address', sco('cryptocurrency-wallet', { chain: 'bitcoin', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' })],
    ['an ethereum address', sco('cryptocurrency-wallet', { chain: 'ethereum', address: '0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe' })],
    ['a tron address (chain without a format check)', sco('cryptocurrency-wallet', { chain: 'tron', address: 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7' })],
  ];
  for (const [what, obj] of valid) {
    it(`${what} is valid, without warnings`, () => {
      expect(v.checkObject(obj, 'objects[0]')).toEqual({ errors: [], warnings: [] });
    });
  }

  const invalid: [string, StixObject, string][] = [
    ['a Japanese bank code of 3 digits', sco('bank-account', { ...bank, bank_code: '001' }), 'bank_code'],
    ['a Japanese branch code of 4 digits', sco('bank-account', { ...bank, branch_code: '0001' }), 'branch_code'],
    ['a Japanese account number of 6 digits', sco('bank-account', { ...bank, account_number: '123456' }), 'account_number'],
    ['a Japanese account without a branch', sco('bank-account', { country: 'JP', bank_code: '0001', account_number: '1234567' }), 'branch_code'],
    ['an account type out of the vocabulary', sco('bank-account', { ...bank, account_type: 'savings' }), 'account_type'],
    ['a country in lower case', sco('bank-account', { ...bank, country: 'jp' }), 'country'],
    ['a bank account without a number', sco('bank-account', { country: 'US', bank_code: '021000021' }), 'account_number'],
    ['a phone number not in E.164', sco('phone-number', { value: '03-1234-5678' }), 'value'],
    ['a bitcoin address with a 0 in base58', sco('cryptocurrency-wallet', { chain: 'bitcoin', address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na' }), 'address'],
    ['a short ethereum address', sco('cryptocurrency-wallet', { chain: 'ethereum', address: '0x123' }), 'address'],
    ['a chain name in capitals', sco('cryptocurrency-wallet', { chain: 'Bitcoin', address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa' }), 'chain'],
  ];
  for (const [what, obj, prop] of invalid) {
    it(`${what} is an error at ${prop}`, () => {
      expect(v.validateObject(obj, 'objects[3]').map((e) => e.where)).toContain(`objects[3].${prop}`);
    });
  }

  it('an SCO that does not name its extension definition is taken with a warning', () => {
    const { extensions: _, ...bare } = sco('phone-number', { value: '+81312345678' });
    const r = v.checkObject(bare, 'objects[0]');
    expect(r.errors).toEqual([]);
    expect(r.warnings[0]!.reason).toContain(EXT_IDS.phoneNumber);
  });
});

describe('the incident damage extension', () => {
  const incident: StixObject = {
    type: 'incident',
    spec_version: '2.1',
    id: 'incident--2f1a2c3e-6b4d-4e8f-9a0b-1c2d3e4f5a6b',
    created: '2025-11-04T01:00:00.000Z',
    modified: '2025-11-04T01:00:00.000Z',
    name: 'Internet banking fraud wave, November 2025',
  };

  it('round-trips through withDamage and damageOf, and validates', () => {
    const damaged = withDamage(incident, { amountJpy: 12_000_000, victims: 37, method: 'internet-banking-fraud' });
    expect(damageOf(damaged)).toEqual({ amountJpy: 12_000_000, victims: 37, records: undefined, method: 'internet-banking-fraud' });
    expect(v.checkObject(damaged, 'objects[0]')).toEqual({ errors: [], warnings: [] });
    expect(damageOf(incident)).toBeUndefined();
  });

  it('reports bad figures where they are, and reads them as undefined', () => {
    const bad = withDamage(incident, { amountJpy: -5, records: 1.5 });
    const where = `objects[2].extensions.${EXT_IDS.incidentDamage}`;
    expect(v.validateObject(bad, 'objects[2]').map((e) => e.where)).toContain(`${where}.amount_jpy`);
    expect(damageOf(bad)).toEqual({ amountJpy: undefined, victims: undefined, records: undefined, method: undefined });
    const empty = { ...incident, extensions: { [EXT_IDS.incidentDamage]: { extension_type: 'property-extension' } } };
    expect(v.validateObject(empty, 'objects[2]').map((e) => e.where)).toContain(where);
  });

  it('on another type than incident it is a warning', () => {
    const note = { ...incident, type: 'x-acme-case', id: 'x-acme-case--2f1a2c3e-6b4d-4e8f-9a0b-1c2d3e4f5a6b' };
    const r = v.checkObject(withDamage(note, { victims: 1 }), 'objects[0]');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.reason).join()).toMatch(/defined for incident/);
  });
});

describe('sector identities', () => {
  it('are stable UUIDv5 ids in the Kessetsu namespace, one per sector', () => {
    // uuid.uuid5(UUID('d054a5ec-5c34-4215-8d42-002ca98a5e61'), 'sector:financial-services') in Python.
    expect(sectorIdentity('financial-services').id).toBe('identity--0870395d-4d61-5668-a6e1-0763ae5e21ac');
    expect(sectorIdentity('  Financial Services ').id).toBe(sectorIdentity('financial-services').id);
    expect(sectorIdentity('telecommunications').id).not.toBe(sectorIdentity('financial-services').id);
  });

  it('say the sector, never a name, and validate', () => {
    const bankSector = sectorIdentity('financial-services');
    expect(bankSector).toMatchObject({ identity_class: 'class', name: 'A financial institution', sectors: ['financial-services'] });
    expect(sectorIdentity('').name).toBe('An organization');
    expect(sectorIdentity('fishing').name).toBe('An organization of the fishing sector');
    expect(sectorIdentity('constructor').name).toBe('An organization of the constructor sector');
    for (const s of ['financial-services', '', 'fishing', 'x'.repeat(10_000)]) expect(v.checkObject(sectorIdentity(s), 'objects[0]')).toEqual({ errors: [], warnings: [] });
  });
});
