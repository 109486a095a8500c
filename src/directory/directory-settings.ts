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
}

export const DEFAULT_SETTINGS: DirectorySettings = {
  roles: [],
  unknownRolePolicy: 'reject',
  multiRole: false,
};

export function parseSettings(json: string): DirectorySettings {
  return { ...DEFAULT_SETTINGS, ...(JSON.parse(json) as Partial<DirectorySettings>) };
}

export function serialiseSettings(settings: DirectorySettings): string {
  return JSON.stringify(settings);
}
