/**
 * SAML errors. The SAML core throws only these; the HTTP edge renders them. Each carries a stable
 * code (logs, events and the admin API branch on it, so a code is never renamed or reused), the
 * reason an admin can act on (`message`), and a fixed sentence for the person signing in that
 * never holds anything from the response or the configuration.
 */

/** What the person at the browser is told, by kind of failure. */
const USER_MESSAGES = {
  unreadable: 'The sign-in response could not be read. Please try signing in again.',
  untrusted: 'The sign-in could not be verified. Please try again, or contact your administrator.',
  stale: 'This sign-in has expired or was already used. Please sign in again.',
  refused: 'Your identity provider did not complete the sign-in. Contact your administrator.',
  noEmail: 'Your account has no email address for this application. Contact your administrator.',
  misconfigured: 'Single sign-on is not set up correctly for your organisation. Contact your administrator.',
  unavailable: 'Single sign-on is not available for this organisation. Contact your administrator.',
  noAccess: 'You do not have access to this application. Contact your administrator.',
  deactivated: 'Your account is deactivated. Contact your administrator.',
} as const;

interface ErrorSpec {
  /** HTTP status the edge answers with. */
  status: number;
  user: keyof typeof USER_MESSAGES;
  /** What the code means, for the admin and for docs. */
  meaning: string;
}

export const SAML_ERRORS = {
  // Configuration and metadata: answered to the admin who set the connection up.
  CONNECTION_INVALID: {
    status: 400,
    user: 'misconfigured',
    meaning: 'The SAML connection settings are incomplete or invalid.',
  },
  CERTIFICATE_INVALID: {
    status: 400,
    user: 'misconfigured',
    meaning: 'A signing certificate is not a readable X.509 certificate (PEM or base64 DER).',
  },
  METADATA_INVALID: {
    status: 400,
    user: 'misconfigured',
    meaning: 'The IdP metadata is not SAML 2.0 IdP metadata with an SSO URL and a signing certificate.',
  },
  METADATA_TOO_LARGE: {
    status: 413,
    user: 'misconfigured',
    meaning: 'The IdP metadata exceeds the size limit.',
  },
  METADATA_FETCH_FAILED: {
    status: 502,
    user: 'misconfigured',
    meaning:
      'The metadata URL could not be fetched (refused scheme, an address that is not public, network error, timeout, HTTP error).',
  },
  // A sign-in response at the ACS: answered to the person signing in, logged for the admin.
  XML_UNSAFE: {
    status: 400,
    user: 'unreadable',
    meaning: 'The XML has a DOCTYPE or entity declaration; they are refused (XXE, entity expansion).',
  },
  RESPONSE_TOO_LARGE: {
    status: 413,
    user: 'unreadable',
    meaning: 'The SAMLResponse exceeds the size limit.',
  },
  RESPONSE_MALFORMED: {
    status: 400,
    user: 'unreadable',
    meaning: 'The SAMLResponse is not base64 of a well-formed SAML 2.0 Response with one assertion.',
  },
  IDP_ERROR: {
    status: 403,
    user: 'refused',
    meaning: 'The IdP answered with a non-success status (e.g. the user is not assigned to the app).',
  },
  ENCRYPTED_ASSERTION_UNSUPPORTED: {
    status: 400,
    user: 'misconfigured',
    meaning: 'The assertion is encrypted; turn off token encryption for this app in the IdP.',
  },
  SIGNATURE_WRAPPING: {
    status: 403,
    user: 'untrusted',
    meaning:
      'The response has extra assertions, stray signatures or duplicate IDs: the shape of an XML signature wrapping attack.',
  },
  WEAK_ALGORITHM: {
    status: 403,
    user: 'untrusted',
    meaning: 'A signature uses SHA-1 or another algorithm below SHA-256.',
  },
  SIGNATURE_MISSING: {
    status: 403,
    user: 'untrusted',
    meaning: 'Neither the response nor the assertion is signed; this is refused whatever the options say.',
  },
  RESPONSE_SIGNATURE_REQUIRED: {
    status: 403,
    user: 'untrusted',
    meaning:
      'The connection requires a signed response ("Request signed Authentication Response") and it is not.',
  },
  ASSERTION_SIGNATURE_REQUIRED: {
    status: 403,
    user: 'untrusted',
    meaning: 'The connection requires a signed assertion ("Request signed Assertions") and it is not.',
  },
  SIGNATURE_INVALID: {
    status: 403,
    user: 'untrusted',
    meaning:
      "A signature does not verify with any of the connection's certificates (unknown certificate, or content changed after signing).",
  },
  ISSUER_MISMATCH: {
    status: 403,
    user: 'untrusted',
    meaning: "The Issuer is not the connection's IdP entity ID.",
  },
  AUDIENCE_MISMATCH: {
    status: 403,
    user: 'untrusted',
    meaning: "The assertion's audience is not this service provider's entity ID.",
  },
  DESTINATION_MISMATCH: {
    status: 403,
    user: 'untrusted',
    meaning: "The response's Destination is not this tenant's ACS URL.",
  },
  RECIPIENT_MISMATCH: {
    status: 403,
    user: 'untrusted',
    meaning: "The bearer subject confirmation's Recipient is not this tenant's ACS URL.",
  },
  NOT_YET_VALID: {
    status: 403,
    user: 'stale',
    meaning:
      'The assertion is not valid yet (NotBefore is ahead of our clock by more than the allowed skew).',
  },
  EXPIRED: {
    status: 403,
    user: 'stale',
    meaning: 'The assertion has expired (NotOnOrAfter has passed, allowing for clock skew).',
  },
  IN_RESPONSE_TO_UNKNOWN: {
    status: 403,
    user: 'stale',
    meaning: 'InResponseTo names no sign-in request this tenant issued, or one already answered or expired.',
  },
  UNSOLICITED_RESPONSE: {
    status: 403,
    user: 'untrusted',
    meaning:
      'An IdP-initiated (unsolicited) response arrived and the connection does not allow IdP-initiated sign-in.',
  },
  ASSERTION_REPLAYED: {
    status: 403,
    user: 'stale',
    meaning: 'This assertion ID was already used to sign in; each assertion is accepted once.',
  },
  EMAIL_MISSING: {
    status: 403,
    user: 'noEmail',
    meaning: 'No email was found in the configured attribute, the standard email claims or the NameID.',
  },
  RESPONSE_INVALID: {
    status: 403,
    user: 'untrusted',
    meaning:
      'The response was refused for a reason without a more specific code; the reason quotes the SAML library.',
  },
  // Who signs in: decided after the response was accepted, from the tenant's users and the connection.
  SSO_NOT_CONFIGURED: {
    status: 404,
    user: 'unavailable',
    meaning: 'No such tenant, or the tenant has no SAML connection.',
  },
  SSO_DISABLED: {
    status: 403,
    user: 'unavailable',
    meaning: "The tenant's SAML connection is switched off (a Test Connection still works).",
  },
  TEST_NOT_PENDING: {
    status: 404,
    user: 'stale',
    meaning: 'The Test Connection link is unknown, already used, or older than an hour; start a new test.',
  },
  USER_NOT_PROVISIONED: {
    status: 403,
    user: 'noAccess',
    meaning:
      "No user of the tenant has the response's email and Just-In-Time provisioning is off: assign the person to the app in the IdP so that SCIM provisions them, or switch JIT on.",
  },
  USER_DEACTIVATED: {
    status: 403,
    user: 'deactivated',
    meaning: 'The user with this email is deactivated (active: false); it is not signed in.',
  },
  USER_DELETED: {
    status: 403,
    user: 'deactivated',
    meaning:
      'The user with this email was deleted (soft-deleted, restorable by an admin); it is not signed in nor created again.',
  },
  JIT_FAILED: {
    status: 403,
    user: 'noAccess',
    meaning:
      "Just-In-Time provisioning could not create the user (the JIT directory is gone, or the directory's role or attribute profile refuses the new user).",
  },
} as const satisfies Record<string, ErrorSpec>;

export type SamlErrorCode = keyof typeof SAML_ERRORS;

export class SamlError extends Error {
  readonly status: number;
  /** Safe to show the person signing in: fixed per kind of failure. */
  readonly userMessage: string;

  constructor(
    readonly code: SamlErrorCode,
    /** For the admin and the log: says what was expected and what arrived. Never shown to the end user. */
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'SamlError';
    const spec: ErrorSpec = SAML_ERRORS[code];
    this.status = spec.status;
    this.userMessage = USER_MESSAGES[spec.user];
  }

  get reason(): string {
    return this.message;
  }
}
