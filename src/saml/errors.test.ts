import { describe, expect, it } from 'vitest';
import { SAML_ERRORS, SamlError, type SamlErrorCode } from './errors.js';

describe('SamlError', () => {
  it('keeps the reason for the admin and gives the user a fixed sentence', () => {
    const error = new SamlError('ISSUER_MISMATCH', 'the Issuer is "https://evil.example"');
    expect(error).toMatchObject({ code: 'ISSUER_MISMATCH', status: 403, name: 'SamlError' });
    expect(error.reason).toBe('the Issuer is "https://evil.example"');
    expect(error.message).toBe(error.reason);
    expect(error.userMessage).toBe(
      'The sign-in could not be verified. Please try again, or contact your administrator.',
    );
  });

  it('documents every code: a 4xx/5xx status, a meaning, and a user sentence with nothing variable in it', () => {
    for (const code of Object.keys(SAML_ERRORS) as SamlErrorCode[]) {
      const error = new SamlError(code, `reason with a secret ${code}`);
      expect(error.status, code).toBeGreaterThanOrEqual(400);
      expect(SAML_ERRORS[code].meaning.length, code).toBeGreaterThan(20);
      expect(error.userMessage, code).not.toContain('secret');
      expect(error.userMessage, code).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('uses stable SCREAMING_SNAKE codes, as the admin API does', () => {
    for (const code of Object.keys(SAML_ERRORS)) expect(code).toMatch(/^[A-Z]+(_[A-Z0-9]+)*$/);
  });
});
