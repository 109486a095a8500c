/**
 * How large a console form may be, checked before it is parsed: a bigger body is answered 413 with
 * a page saying so, and changes nothing.
 */

/** The settings forms (roles, group rules, lifecycle, tenants, directories): a few KiB in practice. */
export const FORM_LIMIT = 64 * 1024;

/** Forms anyone may send, signed in or not (password sign-in, one-time link): small. */
export const PUBLIC_FORM_LIMIT = 8 * 1024;

/**
 * The SSO settings form, which may carry pasted IdP metadata: the metadata itself is refused above
 * 512 KiB (saml/idp-metadata.ts, METADATA_TOO_LARGE), and form encoding grows XML by up to half
 * again (`<`, `>`, `"`, `=` and `/` become three bytes each), so the form is allowed twice that.
 */
export const SSO_FORM_LIMIT = 1024 * 1024;

/** `64 KiB`, `1 MiB`: a limit as the error page says it. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : `${Math.round(bytes / 1024)} KiB`;
}
