/**
 * What is decided from the document alone, before any signature is verified: the size, the encoding,
 * the shape that rules out signature wrapping, the IdP's status, the algorithms, and whether
 * whatever the connection requires to be signed is. Refusing here costs no cryptography.
 */
import type { SamlConnection } from './connection.js';
import { SamlError } from './errors.js';
import { attributeOf, childElements, descendants, firstChild, isElement, NS, textOf } from './xml.js';

/** SHA-256 or better only: SHA-1 collisions are practical (SHAttered, 2017). */
const SIGNATURE_ALGORITHMS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const DIGEST_ALGORITHMS = new Set([
  'http://www.w3.org/2001/04/xmlenc#sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512',
]);

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export function decodeResponse(encoded: string, maxBytes: number): string {
  if (typeof encoded !== 'string' || encoded.trim() === '') {
    throw new SamlError('RESPONSE_MALFORMED', 'the request carries no SAMLResponse');
  }
  // Refuse before any work on it; base64 is 4/3 of the bytes, plus the line breaks some IdPs add.
  if (encoded.length > Math.ceil((maxBytes * 4) / 3 + maxBytes / 19) + 4) {
    throw new SamlError('RESPONSE_TOO_LARGE', `the SAMLResponse is larger than ${maxBytes} bytes`);
  }
  const compact = encoded.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new SamlError('RESPONSE_MALFORMED', 'the SAMLResponse is not base64');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) {
    throw new SamlError(
      'RESPONSE_TOO_LARGE',
      `the SAMLResponse is ${bytes.length} bytes; the limit is ${maxBytes}`,
    );
  }
  return bytes.toString('utf8');
}

export interface Shape {
  response: Element;
  responseSigned: boolean;
  assertionSigned: boolean;
}

/**
 * The one shape accepted: a Response whose only assertion is its direct child, signatures only as
 * direct children of those two, and no ID used twice. Every signature wrapping attack needs a second
 * assertion or a signature somewhere else (where the signed original is hidden), so it stops here,
 * before node-saml's own checks.
 */
export function checkShape(document: Document): Shape {
  const response = document.documentElement!;
  const root = `<${response.localName}> in ${response.namespaceURI ?? 'no namespace'}`;
  if (!isElement(response, NS.protocol, 'Response')) {
    throw new SamlError('RESPONSE_MALFORMED', `the document is ${root}, not a SAML 2.0 Response`);
  }
  checkStatus(response);
  if (descendants(document, NS.assertion, 'EncryptedAssertion').length > 0) {
    throw new SamlError(
      'ENCRYPTED_ASSERTION_UNSUPPORTED',
      'the assertion is encrypted; rollcall does not decrypt assertions yet, so turn off token encryption for this app in the IdP',
    );
  }
  const assertions = descendants(document, NS.assertion, 'Assertion');
  if (assertions.length === 0) throw new SamlError('RESPONSE_MALFORMED', 'the response holds no assertion');
  const assertion = assertions[0]!;
  if (assertions.length > 1) {
    throw new SamlError(
      'SIGNATURE_WRAPPING',
      `the response holds ${assertions.length} assertions; exactly one is accepted`,
    );
  }
  if (assertion.parentNode !== response) {
    throw new SamlError('SIGNATURE_WRAPPING', 'the assertion is not a direct child of the Response');
  }
  // node-saml needs them to check the audience, and fails with a TypeError without them.
  if (childElements(assertion, NS.assertion, 'Conditions').length !== 1) {
    throw new SamlError(
      'RESPONSE_MALFORMED',
      'the assertion needs exactly one Conditions element (with the audience)',
    );
  }
  for (const signature of descendants(document, NS.dsig, 'Signature')) {
    const parent = signature.parentNode;
    if (parent !== response && parent !== assertion) {
      throw new SamlError(
        'SIGNATURE_WRAPPING',
        `a signature sits inside <${(parent as Element | null)?.localName}>; signatures belong on the Response or the Assertion`,
      );
    }
  }
  const responseSignatures = childElements(response, NS.dsig, 'Signature').length;
  const assertionSignatures = childElements(assertion, NS.dsig, 'Signature').length;
  if (responseSignatures > 1 || assertionSignatures > 1) {
    throw new SamlError('SIGNATURE_WRAPPING', 'an element carries more than one signature');
  }
  const ids = new Set<string>();
  for (const element of descendants(document, '*', '*')) {
    // xml-crypto resolves a Reference URI against any of these attribute names.
    for (const name of ['ID', 'Id', 'id']) {
      const id = attributeOf(element, name);
      if (id === undefined) continue;
      if (ids.has(id)) throw new SamlError('SIGNATURE_WRAPPING', `the ID ${quote(id)} is used twice`);
      ids.add(id);
    }
  }
  return { response, responseSigned: responseSignatures === 1, assertionSigned: assertionSignatures === 1 };
}

/** A refusal from the IdP (Entra: AADSTS50105 for a user not assigned to the app) is reported as the IdP's. */
function checkStatus(response: Element): void {
  const status = firstChild(response, NS.protocol, 'Status');
  const code = status && firstChild(status, NS.protocol, 'StatusCode');
  const value = attributeOf(code, 'Value');
  if (value === SUCCESS) return;
  if (!value) throw new SamlError('RESPONSE_MALFORMED', 'the response has no Status');
  const nested = attributeOf(code && firstChild(code, NS.protocol, 'StatusCode'), 'Value');
  const message = textOf(status && firstChild(status, NS.protocol, 'StatusMessage'));
  const short = (urn: string) => urn.replace(/^.*:/, '');
  throw new SamlError(
    'IDP_ERROR',
    `the IdP answered ${short(value)}${nested ? `/${short(nested)}` : ''}` +
      (message ? `: ${message.replace(/\s+/g, ' ').slice(0, 300)}` : ''),
  );
}

export function checkAlgorithms(document: Document): void {
  for (const signature of descendants(document, NS.dsig, 'Signature')) {
    const signedInfo = firstChild(signature, NS.dsig, 'SignedInfo');
    const method = attributeOf(signedInfo && firstChild(signedInfo, NS.dsig, 'SignatureMethod'), 'Algorithm');
    if (!method || !SIGNATURE_ALGORITHMS.has(method)) {
      throw new SamlError(
        'WEAK_ALGORITHM',
        `the signature uses ${quote(method)}; RSA with SHA-256 or better is required (in Entra: Signing Algorithm SHA-256)`,
      );
    }
    for (const reference of signedInfo ? childElements(signedInfo, NS.dsig, 'Reference') : []) {
      const digest = attributeOf(firstChild(reference, NS.dsig, 'DigestMethod'), 'Algorithm');
      if (!digest || !DIGEST_ALGORITHMS.has(digest)) {
        throw new SamlError(
          'WEAK_ALGORITHM',
          `the signature digests with ${quote(digest)}; SHA-256 or better is required`,
        );
      }
    }
  }
}

/** Presence only; node-saml then verifies every signature that is present. */
export function checkSignaturePolicy(shape: Shape, connection: SamlConnection): void {
  if (!shape.responseSigned && !shape.assertionSigned) {
    throw new SamlError('SIGNATURE_MISSING', 'neither the response nor its assertion is signed');
  }
  if (connection.wantResponseSigned && !shape.responseSigned) {
    throw new SamlError(
      'RESPONSE_SIGNATURE_REQUIRED',
      'the connection requires a signed response and the response is not signed (in Entra: Signing Option "Sign SAML response and assertion")',
    );
  }
  if (connection.wantAssertionsSigned && !shape.assertionSigned) {
    throw new SamlError(
      'ASSERTION_SIGNATURE_REQUIRED',
      'the connection requires a signed assertion and the assertion is not signed (in Entra: Signing Option "Sign SAML assertion")',
    );
  }
}

function quote(value: string | undefined): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}
