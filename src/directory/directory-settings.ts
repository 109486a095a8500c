/** An app role the vendor's app understands, e.g. Natoma's `admin` shown as "Admin" (seed 000). */
export interface RoleDefinition {
  readonly value: string;
  readonly display: string;
}

export interface DirectorySettings {
  /** Allowed role values; empty means roles are not checked and kept as sent. */
  readonly roles: readonly RoleDefinition[];
  /** Given to users provisioned with no role (Nulab: GUEST, seed 002). */
  readonly defaultRole?: string;
  /** What happens to a role value not in `roles`: a 400 naming the allowed values, or the default role. */
  readonly unknownRolePolicy: 'reject' | 'default';
  /** Whether a user may hold several roles (AppRoleAssignmentsComplex) or exactly one. */
  readonly multiRole: boolean;
  /**
   * Roles whose holders may sign in to the admin console for their tenant through its SSO (e.g.
   * `['admin']`); empty: none may. Values of `roles` when roles are listed.
   */
  readonly consoleRoles: readonly string[];
  /** DELETE removes the user for good, or hides it for `softDeleteDays` so an admin can restore it. */
  readonly deletePolicy: 'hard' | 'soft';
  readonly softDeleteDays: number;
  /** Link a SCIM create to an existing (JIT or admin-created) account of the directory with the same email. */
  readonly accountMatching: boolean;
  readonly deprovisionGuard: DeprovisionGuard;
  readonly profile: AttributeProfile;
}

/**
 * Stops an IdP misconfiguration from wiping a directory: when more than `maxShare` of the users are
 * deactivated or deleted within `windowMinutes` (and at least `minCount`), further deprovisioning
 * pauses until an admin releases it.
 */
export interface DeprovisionGuard {
  readonly enabled: boolean;
  readonly maxShare: number;
  readonly windowMinutes: number;
  readonly minCount: number;
}

/** Which attributes a directory requires, and the custom extension attributes it declares in /Schemas. */
export interface AttributeProfile {
  /** Attribute paths every user must have, e.g. `name.givenName` (a room directory would not list it). */
  readonly required: readonly string[];
  readonly extensions: readonly CustomExtension[];
}

export interface CustomExtension {
  /** e.g. `urn:ietf:params:scim:schemas:extension:acme:2.0:User` */
  readonly schema: string;
  readonly name: string;
  readonly description?: string;
  readonly attributes: readonly CustomAttribute[];
}

export interface CustomAttribute {
  readonly name: string;
  readonly type: 'string' | 'boolean' | 'integer' | 'decimal' | 'dateTime' | 'reference';
  readonly multiValued?: boolean;
  readonly required?: boolean;
  readonly caseExact?: boolean;
  readonly description?: string;
  readonly canonicalValues?: readonly string[];
}

export const DEFAULT_SETTINGS: DirectorySettings = {
  roles: [],
  unknownRolePolicy: 'reject',
  multiRole: false,
  consoleRoles: [],
  deletePolicy: 'hard',
  softDeleteDays: 30,
  accountMatching: false,
  deprovisionGuard: { enabled: true, maxShare: 0.2, windowMinutes: 60, minCount: 50 },
  profile: { required: [], extensions: [] },
};

export function parseSettings(json: string): DirectorySettings {
  const stored = JSON.parse(json) as Partial<DirectorySettings>;
  return {
    ...DEFAULT_SETTINGS,
    ...stored,
    deprovisionGuard: { ...DEFAULT_SETTINGS.deprovisionGuard, ...stored.deprovisionGuard },
    profile: { ...DEFAULT_SETTINGS.profile, ...stored.profile },
  };
}

export function serialiseSettings(settings: DirectorySettings): string {
  return JSON.stringify(settings);
}
