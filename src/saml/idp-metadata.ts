import { readCertificate, type SigningCertificate } from './certificate.js';
import { checkUrl, createConnection, type SamlConnection, type SamlConnectionInput } from './connection.js';
import { SamlError } from './errors.js';
import { attributeOf, BINDING, childElements, descendants, firstChild, NS, parseXml, textOf } from './xml.js';

/** What rollcall needs from an IdP's SAML 2.0 metadata (Entra: the App Federation Metadata document). */
export interface IdpMetadata {
  entityId: string;
  /** SingleSignOnService locations by binding; rollcall sends AuthnRequests over HTTP-Redirect. */
  ssoUrls: { redirect?: string; post?: string };
  /** KeyDescriptors for signing (or with no `use`, which means both), in document order, without duplicates. */
  certificates: SigningCertificate[];
  wantAuthnRequestsSigned: boolean;
  /** ISO-8601, when the document says how long it may be used. */
  validUntil?: string;
}

/** Entra's federation metadata is about 25 KB; an aggregate of many IdPs is not what an admin pastes. */
export const MAX_METADATA_BYTES = 512 * 1024;

const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';

/**
 * Reads IdP metadata pasted by an admin or fetched from the IdP. The document's own signature is not
 * checked: it comes from the admin, or over HTTPS from the IdP, and carries no certificate to trust it by.
 */
export function parseIdpMetadata(xml: string, options: { maxBytes?: number } = {}): IdpMetadata {
  const maxBytes = options.maxBytes ?? MAX_METADATA_BYTES;
  if (Buffer.byteLength(xml, 'utf8') > maxBytes) {
    throw new SamlError('METADATA_TOO_LARGE', `the metadata is larger than ${maxBytes} bytes`);
  }
  const root = parseXml(xml, 'METADATA_INVALID', 'metadata').documentElement!;
  const entity = entityDescriptorOf(root);
  const entityId = attributeOf(entity, 'entityID')?.trim();
  if (!entityId) throw new SamlError('METADATA_INVALID', 'the EntityDescriptor has no entityID');
  const idp = childElements(entity, NS.metadata, 'IDPSSODescriptor').find(supportsSaml2);
  if (!idp) {
    throw new SamlError('METADATA_INVALID', `the metadata of ${entityId} has no SAML 2.0 IDPSSODescriptor`);
  }
  const ssoUrls: IdpMetadata['ssoUrls'] = {};
  for (const service of childElements(idp, NS.metadata, 'SingleSignOnService')) {
    const binding = attributeOf(service, 'Binding');
    const key = binding === BINDING.redirect ? 'redirect' : binding === BINDING.post ? 'post' : undefined;
    const location = attributeOf(service, 'Location');
    if (key && location && !ssoUrls[key]) ssoUrls[key] = metadataUrl(location, `the ${key} SSO URL`);
  }
  if (!ssoUrls.redirect && !ssoUrls.post) {
    throw new SamlError(
      'METADATA_INVALID',
      `the IdP ${entityId} lists no HTTP-Redirect or HTTP-POST SSO service`,
    );
  }
  const certificates = signingCertificates(idp);
  if (certificates.length === 0) {
    throw new SamlError('METADATA_INVALID', `the IdP ${entityId} lists no signing certificate`);
  }
  const validUntil = attributeOf(entity, 'validUntil') ?? attributeOf(root, 'validUntil');
  return {
    entityId,
    ssoUrls,
    certificates,
    wantAuthnRequestsSigned: attributeOf(idp, 'WantAuthnRequestsSigned') === 'true',
    ...(validUntil &&
      !Number.isNaN(Date.parse(validUntil)) && { validUntil: new Date(validUntil).toISOString() }),
  };
}

/**
 * A connection from imported metadata and the admin's options. The redirect SSO URL is preferred; an
 * IdP with only HTTP-POST SSO still works for IdP-initiated sign-in, so that URL is kept rather than refused.
 */
export function connectionFromMetadata(
  metadata: IdpMetadata,
  options: Omit<SamlConnectionInput, 'idpEntityId' | 'ssoUrl' | 'certificates'> = {},
): SamlConnection {
  return createConnection({
    ...options,
    idpEntityId: metadata.entityId,
    ssoUrl: (metadata.ssoUrls.redirect ?? metadata.ssoUrls.post)!,
    certificates: metadata.certificates.map((certificate) => certificate.pem),
  });
}

/** An EntityDescriptor root, or the one IdP in an EntitiesDescriptor (some IdPs wrap even a single entity). */
function entityDescriptorOf(root: Element): Element {
  if (root.namespaceURI === NS.metadata && root.localName === 'EntityDescriptor') return root;
  if (root.namespaceURI === NS.metadata && root.localName === 'EntitiesDescriptor') {
    const idps = descendants(root, NS.metadata, 'EntityDescriptor').filter(
      (entity) => childElements(entity, NS.metadata, 'IDPSSODescriptor').length > 0,
    );
    if (idps.length === 1) return idps[0]!;
    throw new SamlError(
      'METADATA_INVALID',
      `the EntitiesDescriptor holds ${idps.length} identity providers; paste the metadata of exactly one`,
    );
  }
  throw new SamlError(
    'METADATA_INVALID',
    `the document is <${root.localName}> in ${root.namespaceURI ?? 'no namespace'}, not SAML 2.0 metadata`,
  );
}

function supportsSaml2(descriptor: Element): boolean {
  return (attributeOf(descriptor, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2_PROTOCOL);
}

function signingCertificates(idp: Element): SigningCertificate[] {
  const found = new Map<string, SigningCertificate>();
  for (const key of childElements(idp, NS.metadata, 'KeyDescriptor')) {
    const use = attributeOf(key, 'use');
    if (use !== undefined && use !== 'signing') continue;
    const keyInfo = firstChild(key, NS.dsig, 'KeyInfo');
    for (const data of keyInfo ? childElements(keyInfo, NS.dsig, 'X509Data') : []) {
      for (const element of childElements(data, NS.dsig, 'X509Certificate')) {
        const text = textOf(element);
        if (!text) continue;
        const certificate = readCertificate(text);
        if (!found.has(certificate.fingerprint)) found.set(certificate.fingerprint, certificate);
      }
    }
  }
  return [...found.values()];
}

function metadataUrl(value: string, what: string): string {
  try {
    return checkUrl(value, what);
  } catch (error) {
    throw new SamlError('METADATA_INVALID', (error as Error).message);
  }
}
