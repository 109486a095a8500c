import { InvalidValueError, UniquenessError } from '../scim/errors.js';
import { parseAttributePath } from '../scim/filter/parse-filter.js';
import type { JsonObject } from '../scim/json/json-value.js';
import { normaliseResource } from '../scim/schema/normalise-resource.js';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../scim/urns.js';
import type { AccountMatch, GroupRoleRule } from '../store/kysely/lifecycle-repository.js';
import type {
  AccountSource,
  DirectoryRecord,
  EventRecord,
  Scope,
  StoredUser,
  TenantRecord,
} from '../store/ports.js';
import type { Repositories, Store } from '../store/store.js';
import {
  AccountMatchNotFoundError,
  ConflictError,
  DirectoryNotFoundError,
  TenantNotFoundError,
  UserNotFoundError,
} from './admin-errors.js';
import { checkProfile, userTypeFor } from './attribute-profile.js';
import { newId, now } from './clock.js';
import {
  type AttributeProfile,
  type DeprovisionGuard,
  type DirectorySettings,
  parseSettings,
  serialiseSettings,
} from './directory-settings.js';
import { event } from './events.js';
import { applyRolePolicy } from './role-policy.js';
import { type EffectiveRoles, effectiveRolesOf } from './user-roles.js';
import { forgetVerifiedTokens } from './verified-tokens.js';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export type LifecycleSettings = Pick<
  DirectorySettings,
  'deletePolicy' | 'softDeleteDays' | 'accountMatching' | 'deprovisionGuard' | 'profile'
>;

/** A change of lifecycle settings: absent fields stay; the guard and the profile change field by field. */
export type LifecycleChanges = Partial<Omit<LifecycleSettings, 'deprovisionGuard' | 'profile'>> & {
  readonly deprovisionGuard?: Partial<DeprovisionGuard>;
  readonly profile?: Partial<AttributeProfile>;
};

export type { EffectiveRoles };

/** Custom attribute types a profile may declare (RFC 7643 §2.3, less `complex` and `binary`). */
const CUSTOM_TYPES: ReadonlySet<string> = new Set([
  'string',
  'boolean',
  'integer',
  'decimal',
  'dateTime',
  'reference',
]);

/** RFC 7643 §2.1 ATTRNAME. */
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * What admins do around the lifecycle of accounts: restore soft-deleted users, decide account
 * matches, group→role rules, the deprovisioning guard, tenant domains, and non-SCIM accounts.
 * An instance made by `limitedTo(tenantId)` serves one tenant only, like AdminService's: every
 * directory and tenant of another is "not found" to it.
 */
export class LifecycleService {
  constructor(
    private readonly store: Store,
    private readonly onlyTenantId: string | null = null,
  ) {}

  /** This service limited to one tenant (an API key's restriction); null: every tenant. */
  limitedTo(tenantId: string | null): LifecycleService {
    return tenantId === null ? this : new LifecycleService(this.store, tenantId);
  }

  private visible(tenantId: string): boolean {
    return this.onlyTenantId === null || tenantId === this.onlyTenantId;
  }

  private async tenant(slug: string): Promise<TenantRecord> {
    const tenant = await this.store.repositories.tenants.tenantBySlug(slug);
    if (!tenant || !this.visible(tenant.id)) throw new TenantNotFoundError(`No tenant "${slug}"`);
    return tenant;
  }

  private async directory(
    directoryId: string,
  ): Promise<{ record: DirectoryRecord; scope: Scope; settings: DirectorySettings }> {
    const record = await this.store.repositories.tenants.directoryById(directoryId);
    if (!record || !this.visible(record.tenantId))
      throw new DirectoryNotFoundError(`No directory ${directoryId}`);
    return {
      record,
      scope: { tenantId: record.tenantId, directoryId: record.id },
      settings: parseSettings(record.settings),
    };
  }

  async settings(directoryId: string): Promise<DirectorySettings> {
    return (await this.directory(directoryId)).settings;
  }

  async updateLifecycleSettings(directoryId: string, changes: LifecycleChanges): Promise<DirectorySettings> {
    const { record, settings } = await this.directory(directoryId);
    const next = withLifecycleChanges(settings, changes);
    await this.store.repositories.tenants.updateDirectory({
      ...record,
      settings: serialiseSettings(next),
      updated: now(),
    });
    forgetVerifiedTokens(this.store);
    return next;
  }

  // ---- tenant domains ----

  /** The email domains the tenant declared, in order. */
  async domains(tenantSlug: string): Promise<string[]> {
    const tenant = await this.tenant(tenantSlug);
    return this.store.repositories.tenants.domainsOf(tenant.id);
  }

  /**
   * Declares an email domain as the tenant's own; a domain belongs to at most one tenant. Returns
   * the domain as stored (lower case).
   */
  async addDomain(tenantSlug: string, domain: string): Promise<string> {
    const tenant = await this.tenant(tenantSlug);
    const name = domain.trim().toLowerCase();
    if (!DOMAIN.test(name)) throw new InvalidValueError(`"${domain}" is not a domain name`);
    try {
      await this.store.repositories.tenants.addDomain(tenant.id, name, now());
    } catch (error) {
      if (this.store.isUniqueViolation(error))
        throw new UniquenessError(`The domain ${name} is already declared by a tenant`);
      throw error;
    }
    return name;
  }

  // ---- accounts not made by SCIM ----

  /** An account created by an admin or at a first SSO sign-in (JIT): not "Provisioned". */
  async createAccount(
    directoryId: string,
    body: JsonObject,
    source: Exclude<AccountSource, 'scim'>,
  ): Promise<StoredUser> {
    const { scope, settings } = await this.directory(directoryId);
    const data = applyRolePolicy(normaliseResource(userTypeFor(settings.profile), body).data, settings);
    checkProfile(data, settings.profile);
    const time = now();
    const userName = data.userName as string;
    const user: StoredUser = {
      id: newId(),
      source,
      userName,
      externalId: typeof data.externalId === 'string' ? data.externalId : null,
      active: data.active !== false,
      data,
      version: 1,
      created: time,
      lastModified: time,
    };
    try {
      await this.store.transaction(async (repos) => {
        await repos.users.insert(scope, user);
        await repos.events.append([
          event(scope, 'user.created', { type: 'User', id: user.id }, { userName, source }),
        ]);
      });
    } catch (error) {
      if (this.store.isUniqueViolation(error))
        throw new UniquenessError(`"${userName}" is already taken in this directory`);
      throw error;
    }
    return user;
  }

  // ---- soft delete ----

  /** Brings back a soft-deleted user, as it was; 409 if its userName was taken meanwhile. */
  async restoreUser(directoryId: string, userId: string): Promise<StoredUser> {
    const { scope } = await this.directory(directoryId);
    try {
      return await this.store.transaction(async (repos) => {
        const deleted = await repos.users.getDeleted(scope, userId);
        if (!deleted) throw new UserNotFoundError(`No deleted user ${userId} in this directory`);
        const { deletedAt: _deletedAt, ...user } = deleted;
        const restored = { ...user, version: user.version + 1, lastModified: now() };
        // Conditional on the row still being deleted: of two restores at once, one wins.
        if (!(await repos.users.revive(scope, restored)))
          throw new UserNotFoundError(`No deleted user ${userId} in this directory`);
        await repos.events.append([
          event(scope, 'user.restored', { type: 'User', id: userId }, { by: 'admin' }),
        ]);
        return restored;
      });
    } catch (error) {
      if (this.store.isUniqueViolation(error))
        throw new UniquenessError('Another user now has this userName; rename or delete it first');
      throw error;
    }
  }

  /** Hard-deletes users soft-deleted longer ago than their directory keeps them; returns how many. */
  async purgeDeletedUsers(at = now()): Promise<number> {
    let purged = 0;
    for (const tenant of await this.store.repositories.tenants.listTenants()) {
      if (!this.visible(tenant.id)) continue;
      for (const directory of await this.store.repositories.tenants.directoriesOf(tenant.id)) {
        const days = parseSettings(directory.settings).softDeleteDays;
        const before = new Date(Date.parse(at) - days * 86_400_000).toISOString();
        purged += await this.store.repositories.users.purgeDeleted(
          { tenantId: tenant.id, directoryId: directory.id },
          before,
        );
      }
    }
    return purged;
  }

  // ---- account matching ----

  async matches(directoryId: string, status?: AccountMatch['status']): Promise<AccountMatch[]> {
    const { scope } = await this.directory(directoryId);
    return this.store.repositories.lifecycle.matches(scope, status);
  }

  /**
   * Confirms that the SCIM user and the existing account are the same person: the SCIM user (whose
   * id the IdP knows) stays, the other account is removed, and `user.merged` tells the host app to
   * move its own data across.
   */
  async confirmMatch(directoryId: string, matchId: string): Promise<AccountMatch> {
    const { scope } = await this.directory(directoryId);
    return this.store.transaction(async (repos) => {
      const match = await repos.lifecycle.match(scope, matchId);
      if (!match) throw new AccountMatchNotFoundError(`No account match ${matchId} in this directory`);
      if (!(await repos.lifecycle.decideMatch(scope, matchId, 'confirmed', now())))
        throw await alreadyDecided(repos.lifecycle, scope, matchId);
      await repos.users.delete(scope, match.existingUserId);
      await repos.events.append([
        event(
          scope,
          'user.merged',
          { type: 'User', id: match.scimUserId },
          { from: match.existingUserId, into: match.scimUserId },
        ),
      ]);
      return (await repos.lifecycle.match(scope, matchId))!;
    });
  }

  /** Keeps both accounts apart. */
  async refuseMatch(directoryId: string, matchId: string): Promise<AccountMatch> {
    const { scope } = await this.directory(directoryId);
    const { lifecycle } = this.store.repositories;
    if (!(await lifecycle.match(scope, matchId)))
      throw new AccountMatchNotFoundError(`No account match ${matchId} in this directory`);
    if (!(await lifecycle.decideMatch(scope, matchId, 'refused', now())))
      throw await alreadyDecided(lifecycle, scope, matchId);
    return (await this.store.repositories.lifecycle.match(scope, matchId))!;
  }

  // ---- roles from groups ----

  /** Replaces the directory's "members of group X get role Y" rules; earlier rules win in single-role directories. */
  async setGroupRoleRules(directoryId: string, rules: readonly GroupRoleRule[]): Promise<GroupRoleRule[]> {
    const { scope, settings } = await this.directory(directoryId);
    const allowed = new Map(settings.roles.map((r) => [r.value.toLowerCase(), r.value]));
    const seen = new Set<string>();
    const canonical = rules.flatMap((rule) => {
      const role = allowed.size === 0 ? rule.role : allowed.get(rule.role.toLowerCase());
      if (!role)
        throw new InvalidValueError(
          `Role "${rule.role}" is not one of the directory's roles: ${[...allowed.values()].join(', ')}`,
        );
      if (!role.trim()) throw new InvalidValueError('A group role rule needs a role');
      // A rule given twice (or as a value and its display name) is one rule, at its first place.
      const key = `${rule.groupId}\u0000${role}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ groupId: rule.groupId, role }];
    });
    const found = await this.store.repositories.groups.resolveMembers(
      scope,
      canonical.map((r) => r.groupId),
    );
    const missing = canonical.filter((r) => found.get(r.groupId) !== 'Group');
    if (missing.length > 0)
      throw new InvalidValueError(`No group ${missing.map((r) => r.groupId).join(', ')} in this directory`);
    await this.store.transaction((repos) => repos.lifecycle.replaceGroupRoleRules(scope, canonical));
    return canonical;
  }

  async groupRoleRules(directoryId: string): Promise<GroupRoleRule[]> {
    const { scope } = await this.directory(directoryId);
    return this.store.repositories.lifecycle.groupRoleRules(scope);
  }

  /** A user's roles: those the IdP assigned, and those its groups give. */
  async effectiveRoles(directoryId: string, userId: string): Promise<EffectiveRoles> {
    const { scope, settings } = await this.directory(directoryId);
    const user = await this.store.repositories.users.get(scope, userId);
    if (!user) throw new UserNotFoundError(`No user ${userId} in this directory`);
    return effectiveRolesOf(this.store.repositories, scope, user, settings);
  }

  // ---- the deprovisioning guard ----

  /** Lets deprovisioning continue; deprovisions before now no longer count towards the threshold. */
  async releaseDeprovisioning(directoryId: string): Promise<void> {
    const { scope } = await this.directory(directoryId);
    await this.store.transaction(async (repos) => {
      await repos.tenants.releaseDeprovisioning(directoryId, now());
      await repos.events.append([
        event(scope, 'directory.deprovisioning_released', { type: 'Directory', id: directoryId }),
      ]);
    });
  }

  // ---- events ----

  async events(tenantSlug: string, afterSeq = 0, limit = 100): Promise<(EventRecord & { seq: number })[]> {
    const tenant = await this.tenant(tenantSlug);
    return this.store.repositories.events.list(tenant.id, afterSeq, Math.min(Math.max(limit, 1), 1000));
  }
}

async function alreadyDecided(
  lifecycle: Repositories['lifecycle'],
  scope: Scope,
  matchId: string,
): Promise<ConflictError> {
  const match = await lifecycle.match(scope, matchId);
  return new ConflictError(`Account match ${matchId} was already ${match?.status ?? 'decided'}`);
}

/**
 * A directory's settings with lifecycle changes applied and checked: absent fields stay, and
 * `deprovisionGuard` and `profile` merge field by field. Throws InvalidValueError naming the
 * setting at fault. The admin API's directory create and update use it too, so a change of role
 * and lifecycle settings is checked whole and written once.
 */
export function withLifecycleChanges(
  settings: DirectorySettings,
  changes: LifecycleChanges,
): DirectorySettings {
  const next: DirectorySettings = {
    ...settings,
    ...changes,
    deprovisionGuard: { ...settings.deprovisionGuard, ...changes.deprovisionGuard },
    profile: { ...settings.profile, ...changes.profile },
  };
  validateLifecycle(next);
  return next;
}

function validateLifecycle(settings: DirectorySettings): void {
  if (settings.deletePolicy !== 'hard' && settings.deletePolicy !== 'soft')
    throw new InvalidValueError('deletePolicy must be "hard" or "soft"');
  if (
    !Number.isInteger(settings.softDeleteDays) ||
    settings.softDeleteDays < 1 ||
    settings.softDeleteDays > 3650
  )
    throw new InvalidValueError('softDeleteDays must be a whole number of days from 1 to 3650');
  const guard = settings.deprovisionGuard;
  if (!(guard.maxShare > 0 && guard.maxShare <= 1))
    throw new InvalidValueError('deprovisionGuard.maxShare must be above 0 and at most 1');
  if (!Number.isInteger(guard.windowMinutes) || guard.windowMinutes < 1)
    throw new InvalidValueError('deprovisionGuard.windowMinutes must be a positive whole number');
  if (!Number.isInteger(guard.minCount) || guard.minCount < 1)
    throw new InvalidValueError('deprovisionGuard.minCount must be a positive whole number');
  // A path that does not parse could never be satisfied, so every user would be refused.
  for (const path of settings.profile.required)
    if (!parseAttributePath(path))
      throw new InvalidValueError(
        `profile.required: "${path}" is not an attribute path (e.g. name.givenName)`,
      );
  const schemas = new Set([USER_SCHEMA.toLowerCase(), ENTERPRISE_USER_SCHEMA.toLowerCase()]);
  for (const extension of settings.profile.extensions) {
    if (!/^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$/i.test(extension.schema))
      throw new InvalidValueError(`Extension schema "${extension.schema}" must be a URN`);
    if (schemas.has(extension.schema.toLowerCase()))
      throw new InvalidValueError(
        `Extension schema "${extension.schema}" is already a schema of this directory`,
      );
    schemas.add(extension.schema.toLowerCase());
    const names = new Set<string>();
    for (const attribute of extension.attributes) {
      if (!ATTRIBUTE_NAME.test(attribute.name))
        throw new InvalidValueError(
          `Attribute "${attribute.name}" of ${extension.schema}: a name is a letter, then letters, digits, "-" or "_"`,
        );
      if (names.has(attribute.name.toLowerCase()))
        throw new InvalidValueError(`Attribute "${attribute.name}" is listed twice in ${extension.schema}`);
      names.add(attribute.name.toLowerCase());
      if (!CUSTOM_TYPES.has(attribute.type))
        throw new InvalidValueError(
          `Attribute "${attribute.name}" of ${extension.schema}: type must be one of ${[...CUSTOM_TYPES].join(', ')}`,
        );
    }
  }
}
