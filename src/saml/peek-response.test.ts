import { beforeAll, describe, expect, it } from 'vitest';
import { serviceProviderFor } from './connection.js';
import { peekInResponseTo } from './peek-response.js';
import { TestIdp, toBase64 } from './testing/test-idp.js';

let idp: TestIdp;
const sp = serviceProviderFor('https://rollcall.example', 'acme');

beforeAll(async () => {
  idp = await TestIdp.create();
});

describe('peekInResponseTo', () => {
  it('reads the request a response answers, signed or not', async () => {
    expect(peekInResponseTo(await idp.respond(sp, { inResponseTo: '_abc' }))).toBe('_abc');
    expect(peekInResponseTo(await idp.respond(sp, { inResponseTo: '_def', sign: 'none' }))).toBe('_def');
  });

  it('finds it in the subject confirmation when the Response does not carry it', async () => {
    const xml = await idp.respondXml(sp, { inResponseTo: '_ghi', sign: 'none' });
    const edited = xml.replace(/(<samlp:Response[^>]*) InResponseTo="_ghi"/, '$1');
    expect(edited).not.toBe(xml);
    expect(peekInResponseTo(toBase64(edited))).toBe('_ghi');
  });

  it('answers undefined for IdP-initiated responses and anything unreadable or unsafe', async () => {
    expect(peekInResponseTo(await idp.respond(sp))).toBeUndefined();
    expect(peekInResponseTo('not base64 !')).toBeUndefined();
    expect(peekInResponseTo(undefined)).toBeUndefined();
    const dtd =
      '<!DOCTYPE r [<!ENTITY x "y">]><samlp:Response InResponseTo="_x" xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>';
    expect(peekInResponseTo(toBase64(dtd))).toBeUndefined();
    expect(peekInResponseTo(toBase64(`<r InResponseTo="_x">${'a'.repeat(2000)}</r>`), 1000)).toBeUndefined();
  });
});
