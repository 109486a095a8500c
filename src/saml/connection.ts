import { readCertificate, type SigningCertificate } from './certificate.js';
import { SamlError } from './errors.js';

/** Which response attributes carry the name parts; each falls back to the usual claim names when unset. */
export interface NameAttributes {
  givenName?: string;
  familyName?: string;
  displayName?: string;
}

/** A tenant's SAML IdP, as the sign-in code uses it (DESIGN.md's "connection"). */
export interface SamlConnection {
  /** The IdP's entity ID, which every response's Issuer must equal (Entra: `https://sts.windows.net/{tenant-id}/`). */
  idpEntityId: string;
  /** Where AuthnRequests go (the IdP's HTTP-Redirect SingleSignOnService). */
  ssoUrl: string;
  /** Every certificate a signature may verify with: more than one while the IdP rolls its certificate over. */
  certificates: readonly SigningCertificate[];
  /** "Request signed Assertions from the IdP": the assertion itself must carry a valid signature. */
  wantAssertionsSigned: boolean;
  /** "Request signed Authentication Response from the IdP": the Response element must carry a valid signature. */
  wantResponseSigned: boolean;
  /** Accept responses that answer no AuthnRequest (sign-in started from the IdP, e.g. Entra's My Apps). */
  allowIdpInitiated: boolean;
  /** The attribute tried first for the email; `email` when unset (seed 001's claim name). */
  emailAttribute?: string;
  nameAttributes?: NameAttributes;
}

/** What an admin or a metadata import supplies; certificates as PEM or base64 text. */
export interface SamlConnectionInput {
  idpEntityId: string;
  ssoUrl: string;
  certificates: readonly string[];
  wantAssertionsSigned?: boolean;
  wantResponseSigned?: boolean;
  allowIdpInitiated?: boolean;
  emailAttribute?: string;
  nameAttributes?: NameAttributes;
}

/**
 * Checks and normalises a connection. The two "Request signed …" options default to off, as seed 001
 * tells the Entra admin to leave them (a response is still refused unless something in it is signed).
 * IdP-initiated sign-in defaults to on: seed 001 lists it as supported, and Entra's "Test" button and
 * My Apps tiles start there. An unsolicited response still meets every other check, the replay
 * cache included; a connection can switch it off.
 */
export function createConnection(input: SamlConnectionInput): SamlConnection {
  const idpEntityId = input.idpEntityId?.trim();
  if (!idpEntityId) throw new SamlError('CONNECTION_INVALID', 'the IdP entity ID is missing');
  const ssoUrl = checkUrl(input.ssoUrl, 'the IdP SSO URL');
  if (!input.certificates?.length) {
    throw new SamlError('CONNECTION_INVALID', 'at least one IdP signing certificate is required');
  }
  const certificates = new Map<string, SigningCertificate>();
  for (const text of input.certificates) {
    const certificate = readCertificate(text);
    certificates.set(certificate.fingerprint, certificate);
  }
  const emailAttribute = input.emailAttribute?.trim();
  return {
    idpEntityId,
    ssoUrl,
    certificates: [...certificates.values()],
    wantAssertionsSigned: input.wantAssertionsSigned ?? false,
    wantResponseSigned: input.wantResponseSigned ?? false,
    allowIdpInitiated: input.allowIdpInitiated ?? true,
    ...(emailAttribute && { emailAttribute }),
    ...(input.nameAttributes && { nameAttributes: input.nameAttributes }),
  };
}

/** This service provider as one tenant's IdP sees it (the values an admin pastes into Entra's Basic SAML Configuration). */
export interface ServiceProvider {
  /** "Identifier (Entity ID)": the metadata URL, unique per tenant, as Entra requires within its directory. */
  entityId: string;
  /** "Reply URL (Assertion Consumer Service URL)": where the IdP posts responses. */
  acsUrl: string;
  /** "Sign on URL": starts SP-initiated sign-in. */
  loginUrl: string;
  metadataUrl: string;
}

/** The SP URLs of DESIGN.md's contract: `/sso/{tenant}/saml/metadata`, `…/login`, `…/acs`. */
export function serviceProviderFor(publicUrl: string, tenant: string): ServiceProvider {
  const base = `${checkUrl(publicUrl, 'the public URL').replace(/\/+$/, '')}/sso/${encodeURIComponent(tenant)}/saml`;
  return {
    entityId: `${base}/metadata`,
    acsUrl: `${base}/acs`,
    loginUrl: `${base}/login`,
    metadataUrl: `${base}/metadata`,
  };
}

/** An absolute http(s) URL: these are sent to browsers as redirect targets, so no `javascript:` or `data:`. */
export function checkUrl(value: string | undefined, what: string): string {
  const text = value?.trim() ?? '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SamlError('CONNECTION_INVALID', `${what} is not an absolute URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SamlError('CONNECTION_INVALID', `${what} must be an http(s) URL, not ${url.protocol}`);
  }
  return text;
}
