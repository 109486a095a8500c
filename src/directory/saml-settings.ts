import { createConnection, type NameAttributes, type SamlConnection } from '../saml/connection.js';

/** Where the IdP's values came from: fetched (and refreshed) from a URL, pasted XML, or typed in. */
export type MetadataSource = 'url' | 'xml' | 'manual';

/** Just-In-Time provisioning: who signs in without being provisioned is created, here, with this role. */
export interface JitSettings {
  readonly enabled: boolean;
  /** The directory JIT users land in; required while enabled. */
  readonly directoryId: string | null;
  /** Given to JIT users; null: the directory's own default role (if any). */
  readonly defaultRole: string | null;
}

/** A tenant's SAML connection settings, as stored in `saml_connections.config` (JSON). */
export interface SamlSettings {
  readonly idpEntityId: string;
  readonly ssoUrl: string;
  /** PEM, every certificate a signature may verify with (several during a rollover). */
  readonly certificates: readonly string[];
  readonly source: MetadataSource;
  readonly wantAssertionsSigned: boolean;
  readonly wantResponseSigned: boolean;
  readonly allowIdpInitiated: boolean;
  /** Null: `email`, then the standard claims, then the NameID. */
  readonly emailAttribute: string | null;
  readonly nameAttributes: NameAttributes;
  readonly jit: JitSettings;
}

export const DEFAULT_JIT: JitSettings = { enabled: false, directoryId: null, defaultRole: null };

export function parseSamlSettings(json: string): SamlSettings {
  const stored = JSON.parse(json) as SamlSettings;
  return {
    ...stored,
    nameAttributes: stored.nameAttributes ?? {},
    jit: { ...DEFAULT_JIT, ...stored.jit },
  };
}

export function serialiseSamlSettings(settings: SamlSettings): string {
  return JSON.stringify(settings);
}

/** The connection the SAML core validates with; throws SamlError when the settings do not make one. */
export function connectionOf(settings: SamlSettings): SamlConnection {
  return createConnection({
    idpEntityId: settings.idpEntityId,
    ssoUrl: settings.ssoUrl,
    certificates: settings.certificates,
    wantAssertionsSigned: settings.wantAssertionsSigned,
    wantResponseSigned: settings.wantResponseSigned,
    allowIdpInitiated: settings.allowIdpInitiated,
    ...(settings.emailAttribute !== null && { emailAttribute: settings.emailAttribute }),
    nameAttributes: settings.nameAttributes,
  });
}
