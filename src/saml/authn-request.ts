import { randomBytes } from 'node:crypto';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import type { SamlConnection, ServiceProvider } from './connection.js';
import { safeRelayState } from './relay-state.js';

/**
 * How long an issued request ID stays answerable. Long enough for a first sign-in that sets up MFA at
 * the IdP; after it the response is refused as IN_RESPONSE_TO_UNKNOWN and the person starts again.
 */
export const REQUEST_ID_LIFETIME_MS = 60 * 60_000;

export interface AuthnRequest {
  /** The IdP URL to redirect the browser to (HTTP-Redirect binding: deflated, base64, in the query). */
  url: string;
  /** To remember until `expiresAt`: the response's InResponseTo must name it (and only once). */
  requestId: string;
  issuedAt: string;
  expiresAt: string;
  /** The RelayState sent, when the one asked for was a safe same-origin path. */
  relayState?: string;
}

export interface AuthnRequestOptions {
  /** Where to go after sign-in; dropped unless `safeRelayState` accepts it. */
  relayState?: string;
  /** Our public origin, so an absolute URL on it is accepted as RelayState. */
  origin?: string;
  /** Ask the IdP to authenticate again even with a session (Test Connection). */
  forceAuthn?: boolean;
  now?: Date;
}

/**
 * Builds an SP-initiated AuthnRequest (unsigned, as Entra accepts by default). It requests no
 * AuthnContext: node-saml would ask for PasswordProtectedTransport, which Entra refuses (AADSTS75011)
 * for people who signed in with a passkey, certificate or MFA. It requests no NameID format either,
 * so the IdP sends the one its admin configured; the email comes from the attributes first anyway.
 */
export async function createAuthnRequest(
  sp: ServiceProvider,
  connection: SamlConnection,
  options: AuthnRequestOptions = {},
): Promise<AuthnRequest> {
  // 160 random bits; an xs:ID must not start with a digit.
  const requestId = `_${randomBytes(20).toString('hex')}`;
  const now = options.now ?? new Date();
  const saml = new SAML({
    entryPoint: connection.ssoUrl,
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    idpCert: connection.certificates.map((certificate) => certificate.pem),
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    forceAuthn: options.forceAuthn ?? false,
    generateUniqueId: () => requestId,
    // The caller remembers the ID (in the database, so any node can take the response): node-saml's
    // in-memory cache would be per process.
    validateInResponseTo: ValidateInResponseTo.never,
  });
  const relayState = safeRelayState(options.relayState, options.origin ? { origin: options.origin } : {});
  const url = await saml.getAuthorizeUrlAsync(relayState ?? '', undefined, {});
  return {
    url,
    requestId,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + REQUEST_ID_LIFETIME_MS).toISOString(),
    ...(relayState !== undefined && { relayState }),
  };
}
