/**
 * The requests Microsoft Entra ID's provisioning service sends, as documented in
 * ../shared/reference/entra-okta-scim.md (M1 "User Operations" / "Group Operations", M2 legacy shapes).
 */

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const AD_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Entra form-encodes filters: `filter=userName+eq+%22…%22` (AzureAD/SCIMReferenceCode #63). */
export function filterQuery(attribute: string, value: string): string {
  return `filter=${encodeURIComponent(`${attribute} eq "${value}"`).replace(/%20/g, '+')}`;
}

/** The userName of the benchmark's i-th user; `run` keeps runs on a shared database apart. */
export function userNameOf(run: string, i: number): string {
  return `bench.user.${i}@${run}.example.com`;
}

export function externalIdOf(run: string, i: number): string {
  return `${run}-${i.toString(16).padStart(8, '0')}-8d2a-4f8e-bf98-7363c4aed4ef`;
}

/** M1 "Create User": POST /Users. */
export function createUser(run: string, i: number): object {
  const userName = userNameOf(run, i);
  return {
    schemas: [USER, ENTERPRISE_USER],
    externalId: externalIdOf(run, i),
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: `Given${i} Family${i}`, familyName: `Family${i}`, givenName: `Given${i}` },
    roles: [],
  };
}

export interface UserUpdate {
  readonly familyName: string;
  readonly email: string;
  readonly active: boolean;
}

/** M1 "Update User [Multi-valued properties]" plus M2's legacy disable (`"value":"False"`), one PATCH. */
export function patchUser(update: UserUpdate): object {
  return {
    schemas: [PATCH_OP],
    Operations: [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: update.email },
      { op: 'Replace', path: 'name.familyName', value: update.familyName },
      { op: 'Replace', path: 'active', value: update.active ? 'True' : 'False' },
    ],
  };
}

/** M1 "Create Group": the legacy ADSCIM schema URN included, no members. */
export function createGroup(displayName: string, externalId: string): object {
  return {
    schemas: [GROUP, AD_GROUP],
    externalId,
    displayName,
    meta: { resourceType: 'Group' },
  };
}

/** M1 "Add Member": `{"op":"Add","path":"members","value":[{"$ref":null,"value":…}]}`, one or many. */
export function addMembers(ids: readonly string[]): object {
  return {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ $ref: null, value })) }],
  };
}

/** M2 legacy "remove group member": `{"op":"Remove","path":"members","value":[{"value":…}]}`. */
export function removeMembers(ids: readonly string[]): object {
  return {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Remove', path: 'members', value: ids.map((value) => ({ value })) }],
  };
}
