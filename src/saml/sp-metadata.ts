import { createHash } from 'node:crypto';
import { generateServiceProviderMetadata } from '@node-saml/node-saml';
import type { ServiceProvider } from './connection.js';
import { NAME_ID_FORMAT } from './xml.js';

/**
 * This tenant's SP metadata, served at `/sso/{tenant}/saml/metadata`: entity ID, the ACS URL with the
 * HTTP-POST binding, and the email NameID format. Entra can read it ("Upload metadata file") instead
 * of the admin typing the Identifier and Reply URL. Unsigned: rollcall signs no requests yet, so it
 * has no key to publish.
 */
export function generateSpMetadata(sp: ServiceProvider, options: { wantAssertionsSigned: boolean }): string {
  return generateServiceProviderMetadata({
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    identifierFormat: NAME_ID_FORMAT.email,
    wantAssertionsSigned: options.wantAssertionsSigned,
    // The same document every time for the same SP, so it can be cached and compared.
    generateUniqueId: () => `_${createHash('sha256').update(sp.entityId).digest('hex').slice(0, 40)}`,
  });
}
