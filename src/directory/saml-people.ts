import { SamlError } from '../saml/errors.js';
import type { SamlSignIn } from '../saml/validate-response.js';
import { InvalidValueError, UniquenessError } from '../scim/errors.js';
import type { JsonObject } from '../scim/json/json-value.js';
import type { StoredUser } from '../store/ports.js';
import type { Store } from '../store/store.js';
import { parseSettings } from './directory-settings.js';
import { LifecycleService } from './lifecycle-service.js';
import type { SamlSettings } from './saml-settings.js';
import { effectiveRolesOf } from './user-roles.js';

/** Who a verified response signs in, decided from the tenant's users and the connection's JIT settings. */
export type Person =
  | { readonly kind: 'existing'; readonly directoryId: string; readonly user: StoredUser }
  | { readonly kind: 'jit'; readonly directoryId: string; readonly role: string | null };

/**
 * Matches the email to the tenant's users, in every directory. A live, active user signs in (a SCIM
 * one before any other, then one in the JIT directory, then the oldest); a deactivated or deleted
 * one is refused, never replaced by a JIT account; nobody at all is created by JIT when it is on.
 * Throws a SamlError with the admin's reason when the person may not sign in.
 */
export async function findPerson(
  store: Store,
  tenantId: string,
  email: string,
  settings: SamlSettings,
): Promise<Person> {
  const found = await store.repositories.tenantUsers.findByEmail(tenantId, email);
  const live = found.filter((candidate) => candidate.deletedAt === null);
  const active = live.filter((candidate) => candidate.user.active);
  if (active.length > 0) {
    const rank = (candidate: (typeof active)[number]) =>
      (candidate.user.source === 'scim' ? 0 : 2) +
      (candidate.directoryId === settings.jit.directoryId ? 0 : 1);
    const chosen = active.reduce((best, candidate) => (rank(candidate) < rank(best) ? candidate : best));
    return { kind: 'existing', directoryId: chosen.directoryId, user: chosen.user };
  }
  if (live.length > 0) {
    const user = live[0]!.user;
    throw new SamlError(
      'USER_DEACTIVATED',
      `user ${user.userName} (${user.id}) has the email ${email} and is deactivated; reactivate it in the IdP (or assign the person to the app again) to let them sign in`,
    );
  }
  if (found.length > 0) {
    const deleted = found[0]!;
    throw new SamlError(
      'USER_DELETED',
      `user ${deleted.user.userName} (${deleted.user.id}) has the email ${email} and was deleted at ${deleted.deletedAt}; restore it (POST …/users/{userId}/restore) to let them sign in`,
    );
  }
  if (!settings.jit.enabled) {
    throw new SamlError(
      'USER_NOT_PROVISIONED',
      `no user of this tenant has the email ${email}, and Just-In-Time provisioning is off; assign the person to the app in the IdP so that SCIM provisions them, or switch JIT on`,
    );
  }
  const directoryId = settings.jit.directoryId;
  const directory = directoryId ? await store.repositories.tenants.directoryById(directoryId) : undefined;
  if (!directory || directory.tenantId !== tenantId) {
    throw new SamlError(
      'JIT_FAILED',
      `Just-In-Time provisioning is on but its directory ${directoryId ?? '(none)'} does not exist; choose another in the SAML settings`,
    );
  }
  return { kind: 'jit', directoryId: directory.id, role: settings.jit.defaultRole };
}

/** The roles a person would sign in with: an existing user's current ones, or what JIT would give. */
export async function rolesOfPerson(store: Store, tenantId: string, person: Person): Promise<string[]> {
  const directory = await store.repositories.tenants.directoryById(person.directoryId);
  if (!directory) return [];
  const settings = parseSettings(directory.settings);
  if (person.kind === 'existing') {
    const scope = { tenantId, directoryId: person.directoryId };
    return (await effectiveRolesOf(store.repositories, scope, person.user, settings)).effective;
  }
  const role = person.role ?? settings.defaultRole;
  return role ? [role] : [];
}

/** The SCIM user JIT creates from what the IdP sent. */
function jitUser(signIn: SamlSignIn, role: string | null): JsonObject {
  const name: JsonObject = {
    ...(signIn.givenName && { givenName: signIn.givenName }),
    ...(signIn.familyName && { familyName: signIn.familyName }),
  };
  const displayName =
    signIn.displayName ?? ([signIn.givenName, signIn.familyName].filter(Boolean).join(' ') || undefined);
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: signIn.email,
    active: true,
    emails: [{ value: signIn.email, type: 'work', primary: true }],
    ...(Object.keys(name).length > 0 && { name }),
    ...(displayName && { displayName }),
    ...(role && { roles: [{ value: role, primary: true }] }),
  };
}

/**
 * Creates the JIT user (source `jit`, a `user.created` event) in the connection's JIT directory,
 * under the directory's role policy and attribute profile. A sign-in of the same person on another
 * node at the same moment creates it once; the other then finds it.
 */
export async function provisionJustInTime(
  store: Store,
  tenantId: string,
  signIn: SamlSignIn,
  person: Extract<Person, { kind: 'jit' }>,
  settings: SamlSettings,
): Promise<Extract<Person, { kind: 'existing' }>> {
  try {
    const user = await new LifecycleService(store, tenantId).createAccount(
      person.directoryId,
      jitUser(signIn, person.role),
      'jit',
    );
    return { kind: 'existing', directoryId: person.directoryId, user };
  } catch (error) {
    if (error instanceof UniquenessError) {
      const again = await findPerson(store, tenantId, signIn.email, settings);
      if (again.kind === 'existing') return again;
    }
    if (error instanceof InvalidValueError || error instanceof UniquenessError) {
      throw new SamlError(
        'JIT_FAILED',
        `Just-In-Time provisioning could not create ${signIn.email} in directory ${person.directoryId}: ${error.detail}`,
        { cause: error },
      );
    }
    throw error;
  }
}
