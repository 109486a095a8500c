import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { fingerprintOf } from './certificate.js';
import type { SamlConnection, ServiceProvider } from './connection.js';
import { SamlError } from './errors.js';
import { findEmail, findNames, readAttributes, type SamlAttributes } from './identity.js';
import {
  checkAlgorithms,
  checkShape,
  checkSignaturePolicy,
  decodeResponse,
  type Shape,
} from './response-shape.js';
import {
  attributeOf,
  childElements,
  descendants,
  firstChild,
  isElement,
  NS,
  parseXml,
  textOf,
} from './xml.js';

/** Entra's responses are 5–20 KB, a few hundred group claims included; this leaves room and stops abuse. */
export const MAX_RESPONSE_BYTES = 256 * 1024;

/** How far the IdP's clock may be from ours, either way. */
export const CLOCK_SKEW_MS = 3 * 60_000;

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** The signed-in person as the IdP vouched for them, read from the assertion whose signature verified. */
export interface SamlSignIn {
  issuer: string;
  nameId: string;
  nameIdFormat?: string;
  email: string;
  /** The attribute name the email came from, or `NameID`. */
  emailSource: string;
  givenName?: string;
  familyName?: string;
  displayName?: string;
  attributes: SamlAttributes;
  assertionId: string;
  sessionIndex?: string;
  /** The AuthnRequest this answers; undefined for IdP-initiated sign-in. */
  inResponseTo?: string;
  /** ISO-8601: when the assertion stops being valid, skew included (and so how long its ID must be remembered). */
  expiresAt: string;
}

export interface ValidateResponseOptions {
  sp: ServiceProvider;
  connection: SamlConnection;
  /**
   * True exactly once for a request ID this tenant issued that has not expired: the store deletes
   * it as it answers, so a response cannot be used twice through its request either.
   */
  claimRequestId: (requestId: string) => Promise<boolean>;
  /**
   * True the first time an assertion ID is seen, false after. Must hold across nodes (the database),
   * and remember the ID at least until `expiresAt`, after which the assertion is refused as expired anyway.
   */
  claimAssertionId: (assertion: { id: string; issuer: string; expiresAt: string }) => Promise<boolean>;
  clockSkewMs?: number;
  maxResponseBytes?: number;
}

/**
 * Validates the SAMLResponse an IdP posted to the ACS, or throws a SamlError saying why not.
 *
 * node-saml verifies the signatures (xml-crypto, only the configured certificates, one reference to
 * the signed element, the assertion taken from the signed bytes) and checks the Conditions times and
 * the audience. Around it, this refuses what node-saml leaves open or lets options waive: a DTD, an
 * oversized message, SHA-1, any shape with more than one assertion (signature wrapping), and a
 * response in which nothing is signed; and it checks what node-saml does not check on a login
 * response: Issuer, Destination, the bearer confirmation's Recipient and lifetime, InResponseTo and
 * replay. Everything read after verification comes from the verified assertion, never the raw document.
 */
export async function validateSamlResponse(
  samlResponse: string,
  options: ValidateResponseOptions,
): Promise<SamlSignIn> {
  let signIn: SamlSignIn;
  try {
    signIn = await readResponse(samlResponse, options);
  } catch (error) {
    // Whatever the input, a refusal is a SamlError, never a 500: a library's TypeError on an odd
    // document is the response's fault. (The claims below are not wrapped: a store failure is ours.)
    if (error instanceof SamlError) throw error;
    const reason = `the response could not be processed: ${error instanceof Error ? error.message : String(error)}`;
    throw new SamlError('RESPONSE_INVALID', reason, { cause: error });
  }
  // Stateful checks last, so that a response refused for any other reason uses up neither ID.
  const { inResponseTo, assertionId, issuer, expiresAt } = signIn;
  if (inResponseTo === undefined) {
    if (!options.connection.allowIdpInitiated) {
      throw new SamlError(
        'UNSOLICITED_RESPONSE',
        'the response answers no sign-in request (IdP-initiated) and the connection does not allow IdP-initiated sign-in',
      );
    }
  } else if (!(await options.claimRequestId(inResponseTo))) {
    throw new SamlError(
      'IN_RESPONSE_TO_UNKNOWN',
      `the response answers request ${quote(inResponseTo)}, which this tenant did not issue, already received an answer to, or issued too long ago`,
    );
  }
  if (!(await options.claimAssertionId({ id: assertionId, issuer, expiresAt }))) {
    throw new SamlError('ASSERTION_REPLAYED', `assertion ${quote(assertionId)} was already used to sign in`);
  }
  return signIn;
}

/** Every check that needs no store, in the order that gives the admin the most useful reason. */
async function readResponse(samlResponse: string, options: ValidateResponseOptions): Promise<SamlSignIn> {
  const { sp, connection } = options;
  const skew = options.clockSkewMs ?? CLOCK_SKEW_MS;
  const xml = decodeResponse(samlResponse, options.maxResponseBytes ?? MAX_RESPONSE_BYTES);
  const document = parseXml(xml, 'RESPONSE_MALFORMED', 'SAML response');
  const shape = checkShape(document);
  checkAlgorithms(document);
  checkSignaturePolicy(shape, connection);

  const assertion = await verify(xml, document, shape, options, skew);
  const now = Date.now();

  const issuer = textOf(firstChild(assertion, NS.assertion, 'Issuer'));
  if (issuer !== connection.idpEntityId) {
    throw new SamlError(
      'ISSUER_MISMATCH',
      `the assertion's Issuer is ${quote(issuer)}; the connection expects ${quote(connection.idpEntityId)}`,
    );
  }
  const responseIssuer = textOf(firstChild(shape.response, NS.assertion, 'Issuer'));
  if (responseIssuer !== undefined && responseIssuer !== connection.idpEntityId) {
    throw new SamlError(
      'ISSUER_MISMATCH',
      `the response's Issuer is ${quote(responseIssuer)}; the connection expects ${quote(connection.idpEntityId)}`,
    );
  }
  const destination = attributeOf(shape.response, 'Destination');
  // SAML Bindings §3.5.5.2: a signed response must name its Destination; an unsigned one may omit it.
  if (destination !== sp.acsUrl && (destination !== undefined || shape.responseSigned)) {
    throw new SamlError(
      'DESTINATION_MISMATCH',
      `the response's Destination is ${quote(destination)}; this tenant's ACS URL is ${quote(sp.acsUrl)}`,
    );
  }

  const subject = firstChild(assertion, NS.assertion, 'Subject');
  const nameIdElement = subject && firstChild(subject, NS.assertion, 'NameID');
  const nameId = textOf(nameIdElement);
  if (!subject || !nameId) throw new SamlError('RESPONSE_MALFORMED', 'the assertion has no Subject NameID');
  const confirmation = bearerConfirmation(subject, sp, now, skew);

  const responseInResponseTo = attributeOf(shape.response, 'InResponseTo') || undefined;
  const subjectInResponseTo = attributeOf(confirmation.data, 'InResponseTo') || undefined;
  if (responseInResponseTo && subjectInResponseTo && responseInResponseTo !== subjectInResponseTo) {
    throw new SamlError(
      'IN_RESPONSE_TO_UNKNOWN',
      `the response answers ${quote(responseInResponseTo)} but its assertion answers ${quote(subjectInResponseTo)}`,
    );
  }
  // The assertion's value is signed; the Response's only counts when the response is signed too, or
  // anyone could make an unsolicited assertion look like the answer to a request they started.
  const inResponseTo = subjectInResponseTo ?? (shape.responseSigned ? responseInResponseTo : undefined);

  const attributes = readAttributes(assertion);
  const nameIdFormat = attributeOf(nameIdElement, 'Format');
  const found = findEmail(attributes, { value: nameId, format: nameIdFormat }, connection.emailAttribute);
  if (found.email === undefined) {
    const sent = Object.keys(attributes);
    throw new SamlError(
      'EMAIL_MISSING',
      `no email in ${found.tried.map(quote).join(', ')} (NameID is ${quote(nameId)}); ` +
        `the IdP sent ${sent.length ? sent.map(quote).join(', ') : 'no attributes'}. ` +
        "In Entra, add a claim named 'email' with source attribute user.mail",
    );
  }

  const conditionsEnd = attributeOf(firstChild(assertion, NS.assertion, 'Conditions'), 'NotOnOrAfter');
  const expiresAt = new Date(
    Math.max(confirmation.notOnOrAfter, conditionsEnd ? Date.parse(conditionsEnd) || 0 : 0) + skew,
  ).toISOString();
  const assertionId = attributeOf(assertion, 'ID');
  if (!assertionId) throw new SamlError('RESPONSE_MALFORMED', 'the assertion has no ID');

  const sessionIndex = attributeOf(firstChild(assertion, NS.assertion, 'AuthnStatement'), 'SessionIndex');
  return {
    issuer,
    nameId,
    ...(nameIdFormat && { nameIdFormat }),
    email: found.email,
    emailSource: found.source,
    ...findNames(attributes, connection.nameAttributes),
    attributes,
    assertionId,
    ...(sessionIndex && { sessionIndex }),
    ...(inResponseTo && { inResponseTo }),
    expiresAt,
  };
}

/** Runs node-saml and returns the assertion from the bytes its signature covers. */
async function verify(
  xml: string,
  document: Document,
  shape: Shape,
  options: ValidateResponseOptions,
  skew: number,
): Promise<Element> {
  const { sp, connection } = options;
  const saml = new SAML({
    callbackUrl: sp.acsUrl,
    issuer: sp.entityId,
    audience: sp.entityId,
    // node-saml 5 checks idpIssuer on logout messages only; the login Issuer is checked after this.
    idpIssuer: connection.idpEntityId,
    idpCert: connection.certificates.map((certificate) => certificate.pem),
    // Whatever is signed must verify: an invalid response signature is not excused by a valid
    // assertion signature, which is what node-saml does when the response signature is optional.
    wantAuthnResponseSigned: shape.responseSigned,
    wantAssertionsSigned: shape.assertionSigned,
    acceptedClockSkewMs: skew,
    // Checked below against the caller's store, not node-saml's per-process cache.
    validateInResponseTo: ValidateInResponseTo.never,
  });
  let assertionXml: string | undefined;
  try {
    const { profile } = await saml.validatePostResponseAsync({
      SAMLResponse: Buffer.from(xml, 'utf8').toString('base64'),
    });
    assertionXml = profile?.getAssertionXml?.();
  } catch (error) {
    throw fromLibrary(error, document, connection, skew);
  }
  if (!assertionXml) throw new SamlError('RESPONSE_MALFORMED', 'the response holds no usable assertion');
  const assertion = parseXml(assertionXml, 'RESPONSE_MALFORMED', 'signed assertion').documentElement!;
  if (!isElement(assertion, NS.assertion, 'Assertion')) {
    throw new SamlError('SIGNATURE_INVALID', 'the signed content is not the assertion');
  }
  return assertion;
}

/** node-saml reports by message only; these are its messages in 5.1, each pinned by a test. */
function fromLibrary(
  error: unknown,
  document: Document,
  connection: SamlConnection,
  skew: number,
): SamlError {
  if (error instanceof SamlError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const conditions = descendants(document, NS.assertion, 'Conditions')[0];
  const clock = `our clock says ${new Date().toISOString()}, allowing ${skew / 1000} s of skew`;
  if (/not yet valid/i.test(message)) {
    return new SamlError(
      'NOT_YET_VALID',
      `the assertion is valid from ${quote(attributeOf(conditions, 'NotBefore'))}; ${clock}`,
      { cause: error },
    );
  }
  if (/expired/i.test(message)) {
    return new SamlError(
      'EXPIRED',
      `the assertion was valid until ${quote(attributeOf(conditions, 'NotOnOrAfter'))}; ${clock}`,
      { cause: error },
    );
  }
  if (/audience/i.test(message)) {
    return new SamlError('AUDIENCE_MISMATCH', message.replace(/^SAML assertion /, 'the assertion: '), {
      cause: error,
    });
  }
  if (/signature|signed/i.test(message)) {
    return new SamlError('SIGNATURE_INVALID', signatureReason(document, connection), { cause: error });
  }
  if (/Error parsing|Not a valid XML/i.test(message)) {
    return new SamlError('RESPONSE_MALFORMED', message, { cause: error });
  }
  return new SamlError('RESPONSE_INVALID', message, { cause: error });
}

/**
 * Tells rollover from tampering: a response naming a certificate the connection lacks is most often
 * an IdP that rolled its certificate; one naming only trusted certificates was changed after signing.
 * The KeyInfo certificate is unverified and only used for this sentence, never to verify.
 */
function signatureReason(document: Document, connection: SamlConnection): string {
  const trusted = connection.certificates.map((certificate) => certificate.fingerprint);
  const named = [
    ...new Set(
      descendants(document, NS.dsig, 'X509Certificate')
        .map((element) => fingerprintOf(textOf(element) ?? ''))
        .filter((fingerprint) => fingerprint !== undefined),
    ),
  ];
  const unknown = named.filter((fingerprint) => !trusted.includes(fingerprint));
  if (unknown.length > 0) {
    return (
      `the response is signed with certificate ${unknown.join(', ')}, which this connection does not have ` +
      `(it trusts ${trusted.join(', ')}); if the IdP rolled its certificate, refresh the metadata or add the new certificate`
    );
  }
  return (
    `a signature does not verify with the connection's certificates (${trusted.join(', ')})` +
    (named.length > 0 ? ', which the response names: the content was changed after signing' : '')
  );
}

interface Confirmation {
  data: Element;
  notOnOrAfter: number;
}

/**
 * The bearer SubjectConfirmation (SAML Profiles §4.1.4.2): its Recipient is our ACS URL and it has
 * not expired. node-saml only uses these times to pick a confirmation when it checks InResponseTo
 * itself, which it does not here, so the check is made in full.
 */
function bearerConfirmation(subject: Element, sp: ServiceProvider, now: number, skew: number): Confirmation {
  const bearers = childElements(subject, NS.assertion, 'SubjectConfirmation')
    .filter((confirmation) => attributeOf(confirmation, 'Method') === BEARER)
    .map((confirmation) => firstChild(confirmation, NS.assertion, 'SubjectConfirmationData'))
    .filter((data): data is Element => data !== undefined);
  if (bearers.length === 0) {
    throw new SamlError('RESPONSE_MALFORMED', 'the assertion has no bearer SubjectConfirmationData');
  }
  const recipients = bearers.filter((data) => attributeOf(data, 'Recipient') === sp.acsUrl);
  if (recipients.length === 0) {
    const sent = bearers.map((data) => quote(attributeOf(data, 'Recipient'))).join(', ');
    throw new SamlError(
      'RECIPIENT_MISMATCH',
      `the assertion is for Recipient ${sent}; this tenant's ACS URL is ${quote(sp.acsUrl)} (Entra's Reply URL must be exactly it)`,
    );
  }
  let problem: SamlError | undefined;
  for (const data of recipients) {
    const end = Date.parse(attributeOf(data, 'NotOnOrAfter') ?? '');
    const start = attributeOf(data, 'NotBefore');
    if (Number.isNaN(end)) {
      problem ??= new SamlError(
        'RESPONSE_MALFORMED',
        'the bearer SubjectConfirmationData has no valid NotOnOrAfter',
      );
    } else if (now - skew >= end) {
      problem = new SamlError(
        'EXPIRED',
        `the subject confirmation was valid until ${new Date(end).toISOString()}; our clock says ${new Date(now).toISOString()}`,
      );
    } else if (start !== undefined && !(now + skew >= Date.parse(start))) {
      problem = new SamlError('NOT_YET_VALID', `the subject confirmation is valid from ${quote(start)}`);
    } else {
      return { data, notOnOrAfter: end };
    }
  }
  throw problem!;
}

function quote(value: string | undefined): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}
