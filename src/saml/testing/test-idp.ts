import { randomUUID } from 'node:crypto';
import samlify from 'samlify';
import { generate } from 'selfsigned';
import type { ServiceProvider } from '../connection.js';
import { BINDING, NAME_ID_FORMAT } from '../xml.js';

/**
 * A real SAML IdP for tests: samlify (a maintained IdP/SP library, independent of node-saml) signs
 * the responses with keys made here, so the validator meets signatures it did not produce itself.
 * Test support only (imports devDependencies); nothing in rollcall imports it.
 */

// The IdP parses our AuthnRequests; XSD validation of them is not what these tests are about.
samlify.setSchemaValidator({ validate: async () => 'skipped' });

export interface KeyPair {
  privateKey: string;
  cert: string;
}

export async function createKeyPair(
  options: { commonName?: string; notBefore?: Date; notAfter?: Date; keySize?: number } = {},
): Promise<KeyPair> {
  const notBeforeDate = options.notBefore ?? new Date(Date.now() - 86_400_000);
  const generated = await generate(
    [{ name: 'commonName', value: options.commonName ?? 'Test IdP signing' }],
    {
      keySize: options.keySize ?? 2048,
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate: options.notAfter ?? new Date(notBeforeDate.getTime() + 3 * 365 * 86_400_000),
    },
  );
  return { privateKey: generated.private, cert: generated.cert };
}

export const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';

/** What is signed, as Entra's "Signing Option" says it. */
export type Signing = 'assertion' | 'response' | 'both' | 'none';

export interface ResponseSpec {
  nameId?: string;
  nameIdFormat?: string;
  attributes?: Record<string, string | readonly string[]>;
  /** The AuthnRequest answered; omitted for an IdP-initiated response. */
  inResponseTo?: string;
  sign?: Signing;
  issuer?: string;
  audience?: string;
  recipient?: string;
  /** null leaves Destination out. */
  destination?: string | null;
  notBefore?: Date;
  notOnOrAfter?: Date;
  subjectNotOnOrAfter?: Date;
  assertionId?: string;
  status?: { code: string; nested?: string; message?: string };
}

const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';

export class TestIdp {
  private constructor(
    readonly entityId: string,
    readonly ssoUrl: string,
    readonly key: KeyPair,
    private readonly idp: samlify.IdentityProviderInstance,
  ) {}

  /** Defaults look like Entra: entity ID `https://sts.windows.net/{tenant}/`, SSO at `…/saml2`. */
  static async create(
    options: { entityId?: string; ssoUrl?: string; key?: KeyPair; signatureAlgorithm?: string } = {},
  ): Promise<TestIdp> {
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const entityId = options.entityId ?? `https://sts.windows.net/${tenant}/`;
    const ssoUrl = options.ssoUrl ?? `https://login.microsoftonline.com/${tenant}/saml2`;
    const key = options.key ?? (await createKeyPair());
    const idp = samlify.IdentityProvider({
      entityID: entityId,
      privateKey: key.privateKey,
      signingCert: key.cert,
      singleSignOnService: [
        { Binding: BINDING.redirect, Location: ssoUrl },
        { Binding: BINDING.post, Location: ssoUrl },
      ],
      nameIDFormat: [NAME_ID_FORMAT.email],
      ...(options.signatureAlgorithm && { requestSignatureAlgorithm: options.signatureAlgorithm }),
    });
    return new TestIdp(entityId, ssoUrl, key, idp);
  }

  /** The IdP's metadata document, as an admin would paste or rollcall would fetch it. */
  metadata(): string {
    return this.idp.getMetadata();
  }

  /** Reads an HTTP-Redirect AuthnRequest the way the IdP does, given the SP's metadata document. */
  async receive(
    url: string,
    spMetadata: string,
  ): Promise<{ id: string; issuer: string; acsUrl: string; relayState?: string }> {
    const query = Object.fromEntries(new URL(url).searchParams);
    const result = await this.idp.parseLoginRequest(
      samlify.ServiceProvider({ metadata: spMetadata }),
      'redirect',
      {
        query,
      },
    );
    const request = result.extract.request as Record<string, string>;
    return {
      id: request.id!,
      issuer: String(result.extract.issuer),
      acsUrl: request.assertionConsumerServiceUrl!,
      ...(query.RelayState !== undefined && { relayState: query.RelayState }),
    };
  }

  /** A base64 SAMLResponse for `sp`, signed as `spec.sign` says (the assertion, like Entra, by default). */
  async respond(sp: ServiceProvider, spec: ResponseSpec = {}): Promise<string> {
    const sign = spec.sign ?? 'assertion';
    const xml = this.render(sp, spec);
    if (sign === 'none') return Buffer.from(xml, 'utf8').toString('base64');
    const target = samlify.ServiceProvider({
      entityID: sp.entityId,
      assertionConsumerService: [{ Binding: BINDING.post, Location: sp.acsUrl }],
      // samlify signs the assertion when the SP wants it, and the message when the SP wants that
      // or does not want the assertion signed.
      wantAssertionsSigned: sign === 'assertion' || sign === 'both',
      wantMessageSigned: sign === 'both',
    });
    const { context } = await this.idp.createLoginResponse(
      target,
      { extract: {} },
      'post',
      {},
      { customTagReplacement: () => ({ id: 'unused', context: xml }) },
    );
    return context;
  }

  /** The XML of a response; attack tests edit it. */
  async respondXml(sp: ServiceProvider, spec: ResponseSpec = {}): Promise<string> {
    return Buffer.from(await this.respond(sp, spec), 'base64').toString('utf8');
  }

  /** Shaped like an Entra response: prefixed protocol elements, assertion in the default namespace. */
  private render(sp: ServiceProvider, spec: ResponseSpec): string {
    const now = new Date();
    const issueInstant = now.toISOString();
    const notBefore = (spec.notBefore ?? new Date(now.getTime() - 5 * 60_000)).toISOString();
    const notOnOrAfter = (spec.notOnOrAfter ?? new Date(now.getTime() + 60 * 60_000)).toISOString();
    const subjectEnd = (
      spec.subjectNotOnOrAfter ??
      spec.notOnOrAfter ??
      new Date(now.getTime() + 5 * 60_000)
    ).toISOString();
    const issuer = escapeXml(spec.issuer ?? this.entityId);
    const inResponseTo =
      spec.inResponseTo === undefined ? '' : ` InResponseTo="${escapeXml(spec.inResponseTo)}"`;
    const destination =
      spec.destination === null ? '' : ` Destination="${escapeXml(spec.destination ?? sp.acsUrl)}"`;
    const status = spec.status ?? { code: `${STATUS}Success` };
    const statusXml =
      `<samlp:Status><samlp:StatusCode Value="${escapeXml(status.code)}">` +
      (status.nested ? `<samlp:StatusCode Value="${escapeXml(status.nested)}"/>` : '') +
      '</samlp:StatusCode>' +
      (status.message ? `<samlp:StatusMessage>${escapeXml(status.message)}</samlp:StatusMessage>` : '') +
      '</samlp:Status>';
    const attributes = Object.entries(spec.attributes ?? {})
      .map(
        ([name, values]) =>
          `<Attribute Name="${escapeXml(name)}">` +
          (typeof values === 'string' ? [values] : values)
            .map((value) => `<AttributeValue>${escapeXml(value)}</AttributeValue>`)
            .join('') +
          '</Attribute>',
      )
      .join('');
    const assertion =
      status.code === `${STATUS}Success`
        ? `<Assertion ID="${escapeXml(spec.assertionId ?? `_${randomUUID()}`)}" IssueInstant="${issueInstant}" Version="2.0" xmlns="urn:oasis:names:tc:SAML:2.0:assertion">` +
          `<Issuer>${issuer}</Issuer>` +
          '<Subject>' +
          `<NameID Format="${escapeXml(spec.nameIdFormat ?? NAME_ID_FORMAT.email)}">${escapeXml(spec.nameId ?? 'ada@acme.test')}</NameID>` +
          '<SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
          `<SubjectConfirmationData${inResponseTo} NotOnOrAfter="${subjectEnd}" Recipient="${escapeXml(spec.recipient ?? sp.acsUrl)}"/>` +
          '</SubjectConfirmation>' +
          '</Subject>' +
          `<Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">` +
          `<AudienceRestriction><Audience>${escapeXml(spec.audience ?? sp.entityId)}</Audience></AudienceRestriction>` +
          '</Conditions>' +
          (attributes ? `<AttributeStatement>${attributes}</AttributeStatement>` : '') +
          `<AuthnStatement AuthnInstant="${issueInstant}" SessionIndex="_${randomUUID()}">` +
          '<AuthnContext><AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</AuthnContextClassRef></AuthnContext>' +
          '</AuthnStatement>' +
          '</Assertion>'
        : '';
    return (
      `<samlp:Response ID="_${randomUUID()}" Version="2.0" IssueInstant="${issueInstant}"${destination}${inResponseTo} xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">` +
      `<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">${issuer}</Issuer>` +
      statusXml +
      assertion +
      '</samlp:Response>'
    );
  }
}

/** Signs a whole Response with `key`, as an attacker who holds some other key would. */
export function signResponse(xml: string, key: KeyPair): string {
  return samlify.SamlLib.constructSAMLSignature({
    rawSamlMessage: xml,
    isMessageSigned: true,
    isBase64Output: false,
    privateKey: key.privateKey,
    signingCert: key.cert.replace(/-----[^-]+-----|\s+/g, ''),
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    signatureConfig: {
      prefix: 'ds',
      location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", action: 'after' },
    },
  });
}

export function toBase64(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}

function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
