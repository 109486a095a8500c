import { InvalidValueError, UniquenessError } from '../scim/errors.js';
import type { JsonObject } from '../scim/json/json-value.js';
import { parseListParameters } from '../scim/list/list-query.js';
import { renderGroup, renderUser } from '../scim/resource/render-resource.js';
import type { ApiKeyRecord } from '../store/kysely/api-key-repository.js';
import type { LogCriteria } from '../store/kysely/log-repository.js';
import type {
  AccountSource,
  DirectoryRecord,
  ListPage,
  LogEntry,
  Scope,
  StoredGroup,
  StoredUser,
  TenantRecord,
  TokenRecord,
} from '../store/ports.js';
import { TOKEN_SCOPES, type TokenScope } from '../store/ports.js';
import type { Store } from '../store/store.js';
import {
  ApiKeyNotFoundError,
  DirectoryNotFoundError,
  GroupNotFoundError,
  TenantLimitedKeyError,
  TenantNotFoundError,
  TokenNotFoundError,
  UserNotFoundError,
} from './admin-errors.js';
import { generateApiKey } from './api-keys.js';
import { newId, now } from './clock.js';
import {
  DEFAULT_SETTINGS,
  type DirectorySettings,
  parseSettings,
  type RoleDefinition,
  serialiseSettings,
} from './directory-settings.js';
import { type LifecycleChanges, withLifecycleChanges } from './lifecycle-service.js';
import { type LogFilters, logCursor } from './log-search.js';
import { generateToken } from './scim-tokens.js';
import { forgetVerifiedTokens } from './verified-tokens.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface CreatedToken {
  readonly token: TokenRecord;
  /** The secret, returned this once. */
  readonly secret: string;
}

export interface DirectoryInput {
  readonly name: string;
  readonly roles?: readonly RoleDefinition[];
  readonly defaultRole?: string;
  readonly unknownRolePolicy?: DirectorySettings['unknownRolePolicy'];
  readonly multiRole?: boolean;
  /** Roles that open the admin console to their holders (tenant admins signing in through SSO). */
  readonly consoleRoles?: readonly string[];
  /** Off: SCIM requests get 403 until it is switched on. Default on. */
  readonly scimEnabled?: boolean;
  /** Delete policy, account matching, the deprovisioning guard and the attribute profile (see LifecycleService). */
  readonly lifecycle?: LifecycleChanges;
}

/** A change of a directory's name, role settings or provisioning switch; absent fields stay. */
export interface DirectoryChanges {
  readonly name?: string;
  readonly roles?: readonly RoleDefinition[];
  /** null removes the default role. */
  readonly defaultRole?: string | null;
  readonly unknownRolePolicy?: DirectorySettings['unknownRolePolicy'];
  readonly multiRole?: boolean;
  readonly consoleRoles?: readonly string[];
  readonly scimEnabled?: boolean;
  /** Lifecycle settings to change; `deprovisionGuard` and `profile` merge field by field. */
  readonly lifecycle?: LifecycleChanges;
}

/** An admin's search over a directory's users or groups: text, SCIM filter and paging. */
export interface ResourceSearch {
  /**
   * The start of userName, displayName or an email (groups: displayName), case-insensitive: a range
   * of their indexes, so a search never reads the whole directory.
   */
  readonly q?: string;
  /** A SCIM filter (RFC 7644 §3.4.2.2), compiled to SQL like the SCIM endpoint's. */
  readonly filter?: string;
  readonly startIndex?: number;
  readonly count?: number;
  /** RFC 9865 cursor; '' starts a cursor walk. */
  readonly cursor?: string;
  /** Users only: accounts of this source (scim: "Provisioned"; jit; admin). */
  readonly source?: AccountSource;
  /** Count the total only up to this many plus one (the console's pages). */
  readonly countCap?: number;
}

export interface LogPageResult {
  readonly entries: LogEntry[];
  readonly nextCursor?: string;
}

export interface CreatedApiKey {
  readonly key: ApiKeyRecord;
  /** The key, returned this once. */
  readonly secret: string;
}

/** Rows read per query while exporting a log. */
const EXPORT_CHUNK = 1000;

/**
 * Tenants, directories and tokens: what operators manage around the SCIM endpoints. An instance
 * made by `limitedTo(tenantId)` serves one tenant only: everything of other tenants is "not found"
 * to it, and what spans tenants is forbidden.
 */
export class AdminService {
  constructor(
    private readonly store: Store,
    private readonly onlyTenantId: string | null = null,
  ) {}

  /** This service limited to one tenant (an API key's restriction); null: every tenant. */
  limitedTo(tenantId: string | null): AdminService {
    return tenantId === null ? this : new AdminService(this.store, tenantId);
  }

  private visible(tenantId: string | null): boolean {
    return this.onlyTenantId === null || tenantId === this.onlyTenantId;
  }

  private requireAllTenants(what: string): void {
    if (this.onlyTenantId !== null)
      throw new TenantLimitedKeyError(`This API key is limited to one tenant and cannot ${what}`);
  }

  async createTenant(slug: string, name?: string): Promise<TenantRecord> {
    this.requireAllTenants('create tenants');
    if (!SLUG.test(slug))
      throw new InvalidValueError(
        `Tenant slug "${slug}" must be lower-case letters, digits and dashes (e.g. "acme")`,
      );
    const tenant: TenantRecord = { id: newId(), slug, name: name ?? slug, created: now() };
    try {
      await this.store.repositories.tenants.insertTenant(tenant);
    } catch (error) {
      if (this.store.isUniqueViolation(error)) throw new UniquenessError(`Tenant "${slug}" already exists`);
      throw error;
    }
    return tenant;
  }

  async tenant(slug: string): Promise<TenantRecord> {
    const tenant = await this.store.repositories.tenants.tenantBySlug(slug);
    if (!tenant || !this.visible(tenant.id)) throw new TenantNotFoundError(`No tenant "${slug}"`);
    return tenant;
  }

  async createDirectory(tenantSlug: string, input: DirectoryInput): Promise<DirectoryRecord> {
    const tenant = await this.tenant(tenantSlug);
    const settings = validateSettings(
      withLifecycleChanges(
        {
          ...DEFAULT_SETTINGS,
          roles: input.roles ?? [],
          ...(input.defaultRole !== undefined && { defaultRole: input.defaultRole }),
          unknownRolePolicy: input.unknownRolePolicy ?? 'reject',
          multiRole: input.multiRole ?? false,
          consoleRoles: input.consoleRoles ?? [],
        },
        input.lifecycle ?? {},
      ),
    );
    if (!input.name.trim()) throw new InvalidValueError('A directory needs a name');
    const time = now();
    const directory: DirectoryRecord = {
      id: newId(),
      tenantId: tenant.id,
      name: input.name.trim(),
      settings: serialiseSettings(settings),
      scimEnabled: input.scimEnabled ?? true,
      created: time,
      updated: time,
      deprovisionPausedAt: null,
      deprovisionReleasedAt: null,
    };
    try {
      await this.store.repositories.tenants.insertDirectory(directory);
    } catch (error) {
      if (this.store.isUniqueViolation(error))
        throw new UniquenessError(`Tenant "${tenantSlug}" already has a directory named "${directory.name}"`);
      throw error;
    }
    return directory;
  }

  async directory(id: string): Promise<DirectoryRecord> {
    const directory = await this.store.repositories.tenants.directoryById(id);
    if (!directory || !this.visible(directory.tenantId))
      throw new DirectoryNotFoundError(`No directory ${id}`);
    return directory;
  }

  async setScimEnabled(id: string, enabled: boolean): Promise<DirectoryRecord> {
    const directory = { ...(await this.directory(id)), scimEnabled: enabled, updated: now() };
    await this.store.repositories.tenants.updateDirectory(directory);
    forgetVerifiedTokens(this.store);
    return directory;
  }

  async createToken(
    directoryId: string,
    expires?: string,
    scopes?: readonly string[],
  ): Promise<CreatedToken> {
    const directory = await this.directory(directoryId);
    const checkedScopes = scopes === undefined ? null : checkScopes(scopes);
    const { secret, displayPrefix, hash } = generateToken();
    const token: TokenRecord = {
      id: newId(),
      tenantId: directory.tenantId,
      directoryId: directory.id,
      prefix: displayPrefix,
      created: now(),
      lastUsed: null,
      expires: expires === undefined ? null : expiryOf(expires),
      revoked: null,
      scopes: checkedScopes,
      expiryWarned: null,
    };
    await this.store.repositories.tokens.insert(token, hash);
    return { token, secret };
  }

  async revokeToken(tokenId: string): Promise<TokenRecord> {
    const token = await this.store.repositories.tokens.byId(tokenId);
    if (!token || !this.visible(token.tenantId)) throw new TokenNotFoundError(`No token ${tokenId}`);
    if (!token.revoked) {
      await this.store.repositories.tokens.revoke(tokenId, now());
      // Refused from the next request on, on this node; see verified-tokens.ts for the others.
      forgetVerifiedTokens(this.store);
    }
    return (await this.store.repositories.tokens.byId(tokenId))!;
  }

  async logs(
    directoryId: string,
    options: { errorsOnly?: boolean; limit?: number } = {},
  ): Promise<LogEntry[]> {
    const directory = await this.directory(directoryId);
    return this.store.repositories.logs.list({
      tenantId: directory.tenantId,
      directoryId: directory.id,
      errorsOnly: options.errorsOnly ?? false,
      limit: options.limit ?? 100,
    });
  }

  // ---- admin API: tenants ----

  /** A page of tenants in slug order; `after` is the last slug of the previous page. */
  async listTenants(options: {
    after?: string;
    limit: number;
  }): Promise<{ tenants: TenantRecord[]; more: boolean }> {
    const rows = await this.store.repositories.tenants.tenantsPage({
      ...(options.after !== undefined && { afterSlug: options.after }),
      limit: options.limit + 1,
      ...(this.onlyTenantId !== null && { onlyId: this.onlyTenantId }),
    });
    const more = rows.length > options.limit;
    return { tenants: more ? rows.slice(0, options.limit) : rows, more };
  }

  /** Changes a tenant's display name. The slug stays: it is in SAML URLs an IdP already holds. */
  async renameTenant(slug: string, name: string): Promise<TenantRecord> {
    const tenant = await this.tenant(slug);
    if (!name.trim()) throw new InvalidValueError('A tenant needs a name');
    await this.store.repositories.tenants.renameTenant(tenant.id, name.trim());
    return { ...tenant, name: name.trim() };
  }

  /** Deletes the tenant with everything of it, in one transaction. Its SCIM tokens stop working at once. */
  async deleteTenant(slug: string): Promise<void> {
    const tenant = await this.tenant(slug);
    await this.store.transaction((repos) => repos.tenants.deleteTenant(tenant.id));
    forgetVerifiedTokens(this.store);
  }

  async tenantOf(directory: DirectoryRecord): Promise<TenantRecord> {
    const tenant = await this.store.repositories.tenants.tenantById(directory.tenantId);
    if (!tenant || !this.visible(tenant.id)) throw new DirectoryNotFoundError(`No directory ${directory.id}`);
    return tenant;
  }

  // ---- admin API: directories ----

  async directoriesOf(tenantSlug: string): Promise<{ tenant: TenantRecord; directories: DirectoryRecord[] }> {
    const tenant = await this.tenant(tenantSlug);
    return { tenant, directories: await this.store.repositories.tenants.directoriesOf(tenant.id) };
  }

  async updateDirectory(id: string, changes: DirectoryChanges): Promise<DirectoryRecord> {
    const current = await this.directory(id);
    const { defaultRole: currentDefault, ...settings } = parseSettings(current.settings);
    const defaultRole = changes.defaultRole === undefined ? currentDefault : changes.defaultRole;
    const next = validateSettings(
      withLifecycleChanges(
        {
          ...settings,
          ...(defaultRole !== null && defaultRole !== undefined && { defaultRole }),
          ...(changes.roles !== undefined && { roles: changes.roles }),
          ...(changes.unknownRolePolicy !== undefined && { unknownRolePolicy: changes.unknownRolePolicy }),
          ...(changes.multiRole !== undefined && { multiRole: changes.multiRole }),
          ...(changes.consoleRoles !== undefined && { consoleRoles: changes.consoleRoles }),
        },
        changes.lifecycle ?? {},
      ),
    );
    const name = changes.name === undefined ? current.name : changes.name.trim();
    if (!name) throw new InvalidValueError('A directory needs a name');
    const directory: DirectoryRecord = {
      ...current,
      name,
      settings: serialiseSettings(next),
      scimEnabled: changes.scimEnabled ?? current.scimEnabled,
      updated: now(),
    };
    try {
      await this.store.repositories.tenants.updateDirectory(directory);
    } catch (error) {
      if (this.store.isUniqueViolation(error))
        throw new UniquenessError(`The tenant already has a directory named "${name}"`);
      throw error;
    }
    forgetVerifiedTokens(this.store);
    return directory;
  }

  /** Deletes the directory with its users, groups, tokens and log, in one transaction. */
  async deleteDirectory(id: string): Promise<void> {
    const directory = await this.directory(id);
    await this.store.transaction((repos) => repos.tenants.deleteDirectory(directory.tenantId, directory.id));
    forgetVerifiedTokens(this.store);
  }

  // ---- admin API: tokens ----

  /** The directory's tokens, oldest first, revoked ones included; never their secrets. */
  async tokens(directoryId: string): Promise<TokenRecord[]> {
    const directory = await this.directory(directoryId);
    return this.store.repositories.tokens.listFor(directory.id);
  }

  /** Revokes a token of this directory; revoking a revoked token changes nothing. */
  async revokeDirectoryToken(directoryId: string, tokenId: string): Promise<TokenRecord> {
    const directory = await this.directory(directoryId);
    const token = await this.store.repositories.tokens.byId(tokenId);
    if (!token || token.directoryId !== directory.id)
      throw new TokenNotFoundError(`No token ${tokenId} in this directory`);
    return this.revokeToken(tokenId);
  }

  // ---- admin API: users and groups ----

  async listUsers(
    directoryId: string,
    search: ResourceSearch,
    baseUrl?: string,
  ): Promise<ListPage<StoredUser>> {
    const scope = scopeOf(await this.directory(directoryId));
    return this.store.repositories.users.list(scope, listQuery(search, baseUrl));
  }

  /** The user's SCIM representation, groups included, as the directory's SCIM endpoint returns it. */
  async user(directoryId: string, userId: string, baseUrl: string): Promise<JsonObject> {
    return (await this.userWithResource(directoryId, userId, baseUrl)).resource;
  }

  /** The stored user (its source, for the "Provisioned" label) with its SCIM representation. */
  async userWithResource(
    directoryId: string,
    userId: string,
    baseUrl: string,
  ): Promise<{ user: StoredUser; resource: JsonObject }> {
    const scope = scopeOf(await this.directory(directoryId));
    const { users } = this.store.repositories;
    const user = await users.get(scope, userId);
    if (!user) throw new UserNotFoundError(`No user ${userId} in this directory`);
    return {
      user,
      resource: renderUser(user, baseUrl, (await users.groupsOf(scope, [user.id])).get(user.id)),
    };
  }

  async listGroups(
    directoryId: string,
    search: ResourceSearch,
    baseUrl?: string,
  ): Promise<ListPage<StoredGroup>> {
    const scope = scopeOf(await this.directory(directoryId));
    return this.store.repositories.groups.list(scope, listQuery(search, baseUrl));
  }

  async group(directoryId: string, groupId: string, baseUrl: string): Promise<JsonObject> {
    const scope = scopeOf(await this.directory(directoryId));
    const { groups } = this.store.repositories;
    const group = await groups.get(scope, groupId);
    if (!group) throw new GroupNotFoundError(`No group ${groupId} in this directory`);
    return renderGroup(group, baseUrl, (await groups.members(scope, [group.id])).get(group.id));
  }

  // ---- admin API: provisioning log ----

  /** Newest first; `cursor` continues a previous page. */
  async searchLogs(
    directoryId: string,
    filters: LogFilters & { cursor?: string; limit: number },
  ): Promise<LogPageResult> {
    const directory = await this.directory(directoryId);
    const page = await this.store.repositories.logs.search({
      ...scopeOf(directory),
      ...(await this.logFilters(directory, filters)),
      ...(filters.cursor && { beforeSeq: logCursor.decode(filters.cursor) }),
      limit: filters.limit,
    });
    return {
      entries: page.entries,
      ...(page.nextSeq !== undefined && { nextCursor: logCursor.encode(page.nextSeq) }),
    };
  }

  /**
   * The matching entries, newest first, in chunks read one query at a time, so an export of a
   * large log neither loads it whole nor holds the database while a slow client reads. The
   * directory is checked before this returns, so a bad id fails before anything is streamed.
   */
  async exportLogs(
    directoryId: string,
    filters: LogFilters & { cursor?: string; limit?: number },
  ): Promise<AsyncIterable<LogEntry[]>> {
    const directory = await this.directory(directoryId);
    const first = filters.cursor ? logCursor.decode(filters.cursor) : undefined;
    const logs = this.store.repositories.logs;
    const search = await this.logFilters(directory, filters);
    return (async function* () {
      let beforeSeq = first;
      let left = filters.limit ?? Number.POSITIVE_INFINITY;
      while (left > 0) {
        const page = await logs.search({
          ...scopeOf(directory),
          ...search,
          ...(beforeSeq !== undefined && { beforeSeq }),
          limit: Math.min(EXPORT_CHUNK, left),
        });
        if (page.entries.length > 0) yield page.entries;
        left -= page.entries.length;
        if (page.nextSeq === undefined) return;
        beforeSeq = page.nextSeq;
      }
    })();
  }

  /**
   * The log search for these filters. A `user` (an id or a userName) is first resolved to the ids
   * it names, live or soft-deleted, so the search reads the log's resource index; when it names
   * none, the text is taken as an id (a user deleted for good has only its id left).
   */
  private async logFilters(directory: DirectoryRecord, filters: LogFilters): Promise<LogCriteria> {
    const user = filters.user?.trim();
    const named = user ? await this.store.repositories.users.idsNamed(scopeOf(directory), user) : [];
    const ids = user && named.length === 0 ? [user] : named;
    return {
      ...(filters.status !== undefined && { status: filters.status }),
      ...(filters.operation !== undefined && { operation: filters.operation }),
      ...(user && { userIds: [...new Set(ids)] }),
      ...(filters.since !== undefined && { since: instant('since', filters.since) }),
      ...(filters.until !== undefined && { until: instant('until', filters.until) }),
    };
  }

  /** Deletes provisioning-log rows of every tenant logged before `before`; returns how many. */
  async purgeLogs(before: string): Promise<number> {
    this.requireAllTenants('purge the logs of every tenant');
    return this.store.repositories.logs.purgeBefore(before);
  }

  // ---- operator API keys ----

  async createApiKey(options: { tenantSlug?: string; name?: string } = {}): Promise<CreatedApiKey> {
    this.requireAllTenants('create API keys');
    const tenant = options.tenantSlug === undefined ? undefined : await this.tenant(options.tenantSlug);
    const { secret, displayPrefix, hash } = generateApiKey();
    const key: ApiKeyRecord = {
      id: newId(),
      tenantId: tenant?.id ?? null,
      name: options.name ?? null,
      prefix: displayPrefix,
      created: now(),
      lastUsed: null,
      revoked: null,
    };
    await this.store.repositories.apiKeys.insert(key, hash);
    return { key, secret };
  }

  async apiKeys(): Promise<ApiKeyRecord[]> {
    return this.store.repositories.apiKeys.list(this.onlyTenantId ?? undefined);
  }

  async revokeApiKey(id: string): Promise<ApiKeyRecord> {
    const key = await this.store.repositories.apiKeys.byId(id);
    if (!key || (this.onlyTenantId !== null && key.tenantId !== this.onlyTenantId))
      throw new ApiKeyNotFoundError(`No API key ${id}`);
    if (!key.revoked) await this.store.repositories.apiKeys.revoke(id, now());
    return (await this.store.repositories.apiKeys.byId(id))!;
  }
}

function scopeOf(directory: DirectoryRecord): Scope {
  return { tenantId: directory.tenantId, directoryId: directory.id };
}

function listQuery(search: ResourceSearch, baseUrl: string | undefined) {
  const params = parseListParameters({
    filter: search.filter,
    startIndex: search.startIndex,
    count: search.count,
    cursor: search.cursor,
  });
  const prefix = search.q?.trim();
  return {
    ...(params.filter && { filter: params.filter }),
    ...(prefix && { prefix }),
    startIndex: params.startIndex,
    count: params.count,
    sortOrder: params.sortOrder,
    ...(params.cursor !== undefined && { cursor: params.cursor }),
    ...(baseUrl !== undefined && { baseUrl }),
    ...(search.source !== undefined && { source: search.source }),
    ...(search.countCap !== undefined && { countCap: search.countCap }),
  };
}

/** An ISO-8601 date or date-time as the UTC string stored times use, so they compare as text. */
function instant(name: string, text: string): string {
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new InvalidValueError(`${name} must be an ISO-8601 date-time, found "${text}"`);
  return new Date(time).toISOString();
}

function expiryOf(text: string): string {
  const expires = instant('expires', text);
  if (expires <= now()) throw new InvalidValueError(`expires must be in the future, found "${text}"`);
  return expires;
}

function validateSettings(settings: DirectorySettings): DirectorySettings {
  const values = new Set<string>();
  for (const role of settings.roles) {
    if (!role.value.trim()) throw new InvalidValueError('A role needs a value');
    const lower = role.value.toLowerCase();
    if (values.has(lower)) throw new InvalidValueError(`Role "${role.value}" is listed twice`);
    values.add(lower);
  }
  if (
    settings.defaultRole !== undefined &&
    settings.roles.length > 0 &&
    !values.has(settings.defaultRole.toLowerCase())
  )
    throw new InvalidValueError(`Default role "${settings.defaultRole}" is not one of the directory's roles`);
  if (settings.unknownRolePolicy === 'default' && settings.defaultRole === undefined)
    throw new InvalidValueError('unknownRolePolicy "default" needs a default role');
  return { ...settings, consoleRoles: canonicalConsoleRoles(settings) };
}

/**
 * Console roles as values of the directory's roles (matched like role-policy.ts matches what an IdP
 * sends: on value or display name, case-insensitively), each once. With no roles listed, any value.
 */
function canonicalConsoleRoles(settings: DirectorySettings): string[] {
  const out: string[] = [];
  for (const sent of settings.consoleRoles) {
    const text = sent.trim();
    if (!text) throw new InvalidValueError('A console role needs a value');
    const lower = text.toLowerCase();
    const role =
      settings.roles.length === 0
        ? text
        : settings.roles.find((r) => r.value.toLowerCase() === lower || r.display.toLowerCase() === lower)
            ?.value;
    if (role === undefined)
      throw new InvalidValueError(
        `Console role "${text}" is not one of the directory's roles: ${settings.roles.map((r) => r.value).join(', ')}`,
      );
    if (!out.includes(role)) out.push(role);
  }
  return out;
}

/** Token scopes: users and groups, read and write (a token without scopes may do everything). */
function checkScopes(scopes: readonly string[]): TokenScope[] {
  const unknown = scopes.filter((s) => !TOKEN_SCOPES.includes(s as TokenScope));
  if (unknown.length > 0)
    throw new InvalidValueError(
      `Unknown token scope ${unknown.join(', ')}; scopes are ${TOKEN_SCOPES.join(', ')}`,
    );
  return [...new Set(scopes)] as TokenScope[];
}
