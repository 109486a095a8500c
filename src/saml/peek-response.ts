import { decodeResponse } from './response-shape.js';
import { MAX_RESPONSE_BYTES } from './validate-response.js';
import { attributeOf, descendants, NS, parseXml } from './xml.js';

/**
 * The request a response says it answers, read without verifying anything. Only for telling which
 * pending Test Connection a response belongs to, so that the test can show the admin why it was
 * refused; never for deciding whether to accept it (validateSamlResponse does that). Undefined for
 * anything unreadable, unsafe or oversized.
 */
export function peekInResponseTo(samlResponse: unknown, maxBytes = MAX_RESPONSE_BYTES): string | undefined {
  if (typeof samlResponse !== 'string') return undefined;
  try {
    const document = parseXml(decodeResponse(samlResponse, maxBytes), 'RESPONSE_MALFORMED', 'SAML response');
    const root = document.documentElement!;
    const fromResponse = attributeOf(root, 'InResponseTo');
    if (fromResponse) return fromResponse;
    for (const data of descendants(document, NS.assertion, 'SubjectConfirmationData')) {
      const value = attributeOf(data, 'InResponseTo');
      if (value) return value;
    }
    return undefined;
  } catch {
    return undefined;
  }
}
