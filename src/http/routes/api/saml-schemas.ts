import { type TSchema, Type } from 'typebox';

/** The admin API's SAML schemas: a tenant's connection, its Test Connection runs and its sign-in log. */

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const instant = (description: string) => Type.String({ format: 'date-time', description });

const NameAttributesSchema = Type.Object(
  {
    givenName: Type.Optional(Type.String({ maxLength: 256 })),
    familyName: Type.Optional(Type.String({ maxLength: 256 })),
    displayName: Type.Optional(Type.String({ maxLength: 256 })),
  },
  {
    additionalProperties: false,
    description:
      'Attribute names that carry the name parts; each falls back to the usual claims (givenname, surname, displayname)',
  },
);

const JitSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Create a person who signs in and matches no user' }),
    directoryId: nullable(Type.String({ description: 'The directory JIT users land in' })),
    defaultRole: nullable(Type.String({ description: "Their role; null: the directory's default role" })),
  },
  { additionalProperties: false },
);

export const SamlConnectionPutSchema = Type.Object(
  {
    enabled: Type.Optional(
      Type.Boolean({
        description: 'Switches sign-in on or off; a new connection is off unless this says on',
      }),
    ),
    metadataUrl: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          "The IdP's metadata URL (Entra: App Federation Metadata Url), fetched now and every hour",
      }),
    ),
    metadataXml: Type.Optional(
      Type.String({ minLength: 1, description: "The IdP's metadata document, pasted" }),
    ),
    entityId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: "The IdP's entity ID, by hand" }),
    ),
    ssoUrl: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2048, description: "The IdP's SSO URL, by hand" }),
    ),
    certificates: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 20_000 }), {
        minItems: 1,
        maxItems: 10,
        description: 'Signing certificates, PEM or base64; several during a rollover',
      }),
    ),
    wantAssertionsSigned: Type.Optional(
      Type.Boolean({ description: '"Request signed Assertions from the IdP"' }),
    ),
    wantResponseSigned: Type.Optional(
      Type.Boolean({ description: '"Request signed Authentication Response from the IdP"' }),
    ),
    allowIdpInitiated: Type.Optional(
      Type.Boolean({
        description: 'Accept sign-ins started at the IdP (Entra My Apps, its Test button); default on',
      }),
    ),
    emailAttribute: Type.Optional(
      nullable(
        Type.String({ minLength: 1, maxLength: 256, description: 'null: `email`, then the standard claims' }),
      ),
    ),
    nameAttributes: Type.Optional(nullable(NameAttributesSchema)),
    jit: Type.Optional(Type.Partial(JitSchema, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const CertificateSchema = Type.Object({
  fingerprint: Type.String({ description: 'SHA-256, as Entra shows it' }),
  subject: Type.String(),
  notBefore: instant('Valid from'),
  notAfter: instant('Valid until; a warning is raised 30 days before'),
  pem: Type.String(),
});

export const SamlConnectionSchema = Type.Object({
  tenant: Type.String(),
  configured: Type.Boolean({
    description: 'False until the first PUT; the SP values are shown all the same',
  }),
  enabled: Type.Boolean(),
  sp: Type.Object(
    {
      entityId: Type.String({ description: 'Entra: Identifier (Entity ID)' }),
      acsUrl: Type.String({ description: 'Entra: Reply URL (Assertion Consumer Service URL)' }),
      signOnUrl: Type.String({ description: 'Entra: Sign on URL' }),
      metadataUrl: Type.String({ description: "rollcall's SP metadata for this tenant" }),
    },
    { description: 'What the admin pastes into the IdP' },
  ),
  idp: nullable(
    Type.Object({
      entityId: Type.String(),
      ssoUrl: Type.String(),
      certificates: Type.Array(CertificateSchema),
    }),
  ),
  metadataSource: nullable(Type.Union([Type.Literal('url'), Type.Literal('xml'), Type.Literal('manual')])),
  metadataUrl: nullable(Type.String()),
  metadataRefreshedAt: nullable(instant('When the metadata was last fetched')),
  metadataRefreshError: nullable(
    Type.Object(
      { at: instant('When'), reason: Type.String() },
      { description: 'The last refresh failed; the last good metadata stays in use' },
    ),
  ),
  wantAssertionsSigned: Type.Boolean(),
  wantResponseSigned: Type.Boolean(),
  allowIdpInitiated: Type.Boolean(),
  emailAttribute: Type.String(),
  nameAttributes: NameAttributesSchema,
  jit: JitSchema,
  lastTest: nullable(
    Type.Object({
      id: Type.String(),
      status: Type.String(),
      completed: nullable(Type.String()),
    }),
  ),
  created: nullable(Type.String()),
  updated: nullable(Type.String()),
});

const RefusalSchema = Type.Object({ code: Type.String(), reason: Type.String() });

export const SamlTestSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  created: instant('When the test was started'),
  completed: nullable(Type.String()),
  url: Type.String({ description: 'Open this in a browser to run the test (valid for an hour)' }),
  result: nullable(
    Type.Object({
      issuer: Type.String(),
      nameId: Type.String(),
      nameIdFormat: nullable(Type.String()),
      email: Type.String(),
      emailSource: Type.String({ description: 'The attribute the email came from, or NameID' }),
      name: NameAttributesSchema,
      attributes: Type.Record(Type.String(), Type.Array(Type.String())),
      user: nullable(
        Type.Object({
          id: Type.String(),
          directoryId: Type.String(),
          userName: Type.String(),
          active: Type.Boolean(),
          source: Type.String(),
        }),
      ),
      roles: Type.Array(Type.String()),
      signIn: Type.Union([Type.Literal('existing'), Type.Literal('jit'), Type.Literal('refused')]),
      refusal: nullable(RefusalSchema),
    }),
  ),
  error: nullable(RefusalSchema),
});

export const SsoLogEntrySchema = Type.Object({
  seq: Type.Integer(),
  id: Type.String({ description: 'The reference a refused person is shown' }),
  at: instant('When'),
  outcome: Type.Union([Type.Literal('signed_in'), Type.Literal('refused'), Type.Literal('test')]),
  code: nullable(Type.String({ description: 'Why it was refused: a sign-in code of docs/sso-entra-id.md' })),
  reason: nullable(Type.String()),
  email: nullable(Type.String()),
  nameId: nullable(Type.String()),
  directoryId: nullable(Type.String()),
  userId: nullable(Type.String()),
  idpInitiated: Type.Boolean(),
});
