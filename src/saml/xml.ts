import { DOMParser } from '@xmldom/xmldom';
import { SamlError, type SamlErrorCode } from './errors.js';

/** The namespaces SAML 2.0 documents are read by; prefixes vary between IdPs, namespaces do not. */
export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export const NAME_ID_FORMAT = {
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;

/**
 * Parses XML that came from outside (an IdP's metadata, a SAMLResponse). Any DOCTYPE is refused
 * before the parser sees the text: SAML never needs one, and a DTD is how XXE and entity-expansion
 * attacks get in. Parser errors are fatal, as in node-saml's own parse, so both see the same tree.
 */
export function parseXml(text: string, malformed: SamlErrorCode, what: string): Document {
  // Case-insensitive and anywhere: a declaration inside a comment is refused too, which costs nothing.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new SamlError(
      'XML_UNSAFE',
      `the ${what} declares a DOCTYPE or entity; SAML documents never need one`,
    );
  }
  const problems: string[] = [];
  const document = new DOMParser({
    locator: {},
    errorHandler: {
      warning: () => {},
      error: (message: unknown) => problems.push(String(message)),
      fatalError: (message: unknown) => problems.push(String(message)),
    },
  }).parseFromString(text, 'text/xml');
  if (problems.length > 0 || !document?.documentElement) {
    const detail = problems[0]?.replace(/\s+/g, ' ').slice(0, 200) ?? 'no root element';
    throw new SamlError(malformed, `the ${what} is not well-formed XML: ${detail}`);
  }
  for (const node of Array.from(document.childNodes)) {
    if (node.nodeType === node.DOCUMENT_TYPE_NODE) {
      throw new SamlError('XML_UNSAFE', `the ${what} declares a DOCTYPE; SAML documents never need one`);
    }
  }
  return document;
}

export function isElement(node: Node, namespace: string, localName: string): node is Element {
  if (node.nodeType !== node.ELEMENT_NODE) return false;
  const element = node as Element;
  return element.namespaceURI === namespace && element.localName === localName;
}

/** The element children of `parent` with this name, in document order (direct children only). */
export function childElements(parent: Node, namespace: string, localName: string): Element[] {
  return Array.from(parent.childNodes).filter((node): node is Element =>
    isElement(node, namespace, localName),
  );
}

export function firstChild(parent: Node, namespace: string, localName: string): Element | undefined {
  return childElements(parent, namespace, localName)[0];
}

/** Every element with this name anywhere below `root` (and `root` itself when it matches). */
export function descendants(root: Document | Element, namespace: string, localName: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(namespace, localName));
}

/** Text content, whitespace-trimmed; text split by comments is joined (CVE-2017-11427's lesson). */
export function textOf(element: Element | undefined): string | undefined {
  const text = element?.textContent?.trim();
  return text === undefined || text === '' ? undefined : text;
}

export function attributeOf(element: Element | undefined, name: string): string | undefined {
  if (!element?.hasAttribute(name)) return undefined;
  return element.getAttribute(name) ?? undefined;
}
