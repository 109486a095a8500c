import { X509Certificate } from 'node:crypto';
import { SamlError } from './errors.js';

/** An IdP signing certificate as a connection keeps it: the PEM that verifies, and what an admin needs to see. */
export interface SigningCertificate {
  pem: string;
  /** SHA-256 fingerprint as Entra and openssl show it (`AB:CD:…`), to tell certificates apart. */
  fingerprint: string;
  subject: string;
  /** ISO-8601 UTC. */
  notBefore: string;
  /** ISO-8601 UTC. An expired certificate still verifies (IdPs sign with them); the admin is warned before. */
  notAfter: string;
}

/** NIST SP 800-131A: RSA below 2048 bits has not been acceptable for signatures since 2013. */
const MIN_RSA_BITS = 2048;

const PEM = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;

/**
 * Reads a certificate as admins and metadata give it: PEM (Entra's "Certificate (Base64)" download)
 * or the bare base64 DER of a metadata `<X509Certificate>`, with any line breaks.
 */
export function readCertificate(text: string): SigningCertificate {
  const body = (PEM.exec(text)?.[1] ?? text).replace(/\s+/g, '');
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new SamlError('CERTIFICATE_INVALID', 'the certificate is neither PEM nor base64');
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(body, 'base64'));
  } catch (error) {
    throw new SamlError('CERTIFICATE_INVALID', 'the certificate is not a readable X.509 certificate', {
      cause: error,
    });
  }
  const key = certificate.publicKey.asymmetricKeyDetails;
  if (certificate.publicKey.asymmetricKeyType === 'rsa' && (key?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new SamlError(
      'CERTIFICATE_INVALID',
      `the certificate's RSA key has ${key?.modulusLength} bits; at least ${MIN_RSA_BITS} are required`,
    );
  }
  return {
    pem: `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`,
    fingerprint: certificate.fingerprint256,
    subject: certificate.subject.replace(/\n/g, ', '),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
  };
}

/** The certificates that lapse before `horizon` (ISO-8601), for the "certificate expires soon" warning. */
export function certificatesExpiringBy(
  certificates: readonly SigningCertificate[],
  horizon: string,
): SigningCertificate[] {
  return certificates.filter((certificate) => Date.parse(certificate.notAfter) <= Date.parse(horizon));
}

/** SHA-256 fingerprint of a base64 DER certificate found in a response's KeyInfo, for the admin's log line. */
export function fingerprintOf(base64: string): string | undefined {
  try {
    return new X509Certificate(Buffer.from(base64.replace(/\s+/g, ''), 'base64')).fingerprint256;
  } catch {
    return undefined;
  }
}
