import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NullableDateTime, NullableString, StringEnum } from '../http/schemas.ts';

const OrgKind = StringEnum(['industry', 'academia', 'law_enforcement', 'government', 'international_partner', 'hub'] as const);
const Sector = StringEnum(['finance', 'telecom', 'ecommerce', 'security_vendor', 'critical_infrastructure', 'other'] as const);
const Role = StringEnum(['member', 'hub_analyst', 'investigator', 'hotline_operator', 'volunteer', 'admin', 'org_admin'] as const);
/** TLP levels as the API spells them. */
export const TlpSchema = StringEnum(['clear', 'green', 'amber', 'amber+strict', 'red'] as const);
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const OrgCreate = Type.Object(
  {
    name: Name,
    kind: OrgKind,
    sector: Type.Optional(Type.Union([Sector, Type.Null()])),
    subsector: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
    country: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Z]{2}$' }), Type.Null()])),
    default_tlp: Type.Optional(TlpSchema),
  },
  { additionalProperties: false },
);
export type OrgCreate = Static<typeof OrgCreate>;

export const OrgUpdate = Type.Partial(OrgCreate, { additionalProperties: false });
export type OrgUpdate = Static<typeof OrgUpdate>;

export const Org = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    sector: NullableString,
    subsector: NullableString,
    country: NullableString,
    default_tlp: Type.String(),
    nda_accepted_at: NullableDateTime,
    nda_accepted_by: NullableString,
    nda_version: Type.Optional(NullableString),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { $id: 'Org' },
);

export const NdaAccept = Type.Object(
  {
    version: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,40}$', description: 'a published NDA version (GET /api/v1/ndas); default: the newest' })),
    signer_user_id: Type.Optional(Type.String({ format: 'uuid', description: 'the user of the organisation who signed; default: the caller, when a user of it' })),
  },
  { additionalProperties: false },
);

export const NdaVersion = Type.Object({ version: Type.String(), title: Type.String(), published_by: NullableString, published_at: DateTime });
export const NdaPublish = Type.Object({ version: Type.String({ pattern: '^[A-Za-z0-9._-]{1,40}$' }), title: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false });
export const NdaAcceptance = Type.Object({ id: Type.Integer(), org_id: Type.String(), version: Type.String(), signer_user_id: Type.String(), recorded_by: NullableString, accepted_at: DateTime });

export const UserCreate = Type.Object(
  {
    name: Name,
    email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 320 }), Type.Null()])),
    role: Role,
    locale: Type.Optional(StringEnum(['en', 'ja'] as const)),
  },
  { additionalProperties: false },
);
export type UserCreate = Static<typeof UserCreate>;

export const UserUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    locale: Type.Optional(StringEnum(['en', 'ja'] as const)),
    role: Type.Optional(Role),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const User = Type.Object(
  {
    id: Type.String(),
    org_id: Type.String(),
    name: Type.String(),
    email: NullableString,
    role: Type.String(),
    locale: Type.String(),
    disabled_at: NullableDateTime,
    created_at: DateTime,
  },
  { $id: 'User' },
);

export const KeyCreate = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });

export const ApiKey = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  created_at: DateTime,
  last_used_at: NullableDateTime,
  revoked_at: NullableDateTime,
});

export const ApiKeyCreated = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  created_at: DateTime,
  key: Type.String({ description: 'The API key. It is shown in this answer only and cannot be recovered.' }),
});
