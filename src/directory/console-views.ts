import type { JsonObject } from '../scim/json/json-value.js';
import type { GroupRoleRule } from '../store/kysely/lifecycle-repository.js';
import type { SsoLogEntry } from '../store/kysely/saml-repository.js';
import { type CappedCount, COUNT_CAP } from '../store/kysely/user-page-repository.js';
import type {
  AccountSource,
  DirectoryRecord,
  GroupRef,
  LogEntry,
  MemberView,
  Scope,
  StoredGroup,
  StoredUser,
  TenantRecord,
  TokenRecord,
} from '../store/ports.js';
import type { Store } from '../store/store.js';
import { DirectoryNotFoundError, GroupNotFoundError } from './admin-errors.js';
import { AdminService } from './admin-service.js';
import { AuditLog } from './audit-log.js';
import { ConsoleAccessDeniedError, LogEntryNotFoundError } from './console-errors.js';
import type { ConsoleIdentity } from './console-sessions.js';
import { type DirectorySettings, parseSettings } from './directory-settings.js';
import { type EffectiveRoles, LifecycleService } from './lifecycle-service.js';
import type { LogFilters } from './log-search.js';
import { SamlConnectionService, type SamlConnectionView } from './saml-connection-service.js';
import type { SamlTestView } from './saml-tests.js';
import { effectiveRolesOfMany } from './user-roles.js';

/** A directory with its settings parsed. */
export interface DirectoryView {
  readonly directory: DirectoryRecord;
  readonly settings: DirectorySettings;
}

export interface TenantOverview {
  readonly tenant: TenantRecord;
  readonly directories: readonly (DirectoryView &
    UserTotals & {
      readonly activeTokens: number;
    })[];
  /** The latest failed SCIM requests across the tenant's directories, newest first. */
  readonly recentErrors: readonly (LogEntry & { readonly directoryName: string })[];
  /** The tenant's SAML connection, as far as the overview shows it. */
  readonly sso: {
    readonly configured: boolean;
    readonly enabled: boolean;
    readonly idpEntityId: string | null;
    readonly lastTest: SamlConnectionView['lastTest'];
  };
}

/** The SSO page: the connection, its last Test Connection with what the IdP sent, recent sign-ins. */
export interface SsoDetail {
  readonly tenant: TenantRecord;
  readonly connection: SamlConnectionView;
  readonly lastTest: SamlTestView | null;
  /** Whether the last test passed after the last change of the settings: the switch may be turned on. */
  readonly testedSinceChange: boolean;
  readonly signIns: readonly (SsoLogEntry & { seq: number })[];
  readonly directories: readonly DirectoryView[];
}

export interface DirectoryDetail extends DirectoryView {
  readonly tenant: TenantRecord;
  readonly tokens: readonly TokenRecord[];
  /** Group → role rules with the group's name (null: the group is gone). */
  readonly groupRoles: readonly (GroupRoleRule & { readonly groupName: string | null })[];
}

/** A directory's user counts, as the tenant overview shows them. */
export interface UserTotals {
  readonly users: CappedCount;
  readonly activeUsers: CappedCount;
}

/** What the users page filters by. */
export interface UserFilters {
  /** The start of a userName, displayName or email (case-insensitive), on their indexes. */
  readonly q?: string;
  /** A role the user holds: assigned (SCIM `roles`) or from a group→role rule, case-insensitive. */
  readonly role?: string;
  readonly status?: 'active' | 'inactive';
  readonly source?: AccountSource;
}

export interface UserRow {
  readonly user: StoredUser;
  readonly groups: readonly GroupRef[];
  /** Assigned roles, then roles from groups. */
  readonly roles: readonly string[];
  /** The last SSO sign-in the sign-in log still holds. */
  readonly lastSignIn: string | null;
}

export interface UserDetail {
  readonly user: StoredUser;
  readonly resource: JsonObject;
  readonly roles: EffectiveRoles;
  /** The provisioning log's entries about this user, newest first. */
  readonly history: readonly LogEntry[];
  readonly moreHistory: boolean;
  readonly lastSignIn: string | null;
}

/** Rows per page the console asks for, at most. */
export const MAX_PAGE = 200;

function pageSize(limit: number | undefined, fallback: number): number {
  return Math.min(Math.max(Math.trunc(limit ?? fallback) || fallback, 1), MAX_PAGE);
}

/** A SCIM filter string literal (RFC 7644 §3.4.2.2: JSON strings). */
function literal(text: string): string {
  return JSON.stringify(text);
}

/**
 * What the console's pages read, through the directory services, limited to what the person
 * signed in may see: an operator every tenant, a tenant admin only their own (anything else is
 * "not found"). Every list is a page read on an index; nothing loads a whole directory or group.
 */
export class ConsoleViews {
  private readonly admin: AdminService;
  private readonly lifecycle: LifecycleService;
  private readonly saml: SamlConnectionService;

  constructor(
    private readonly store: Store,
    private readonly identity: ConsoleIdentity,
  ) {
    const limit = identity.kind === 'tenant_admin' ? identity.tenantId : null;
    this.admin = new AdminService(store).limitedTo(limit);
    this.lifecycle = new LifecycleService(store).limitedTo(limit);
    this.saml = new SamlConnectionService(store).limitedTo(limit);
  }

  private requireOperator(what: string): void {
    if (this.identity.kind !== 'operator')
      throw new ConsoleAccessDeniedError(`Only the vendor's operators can ${what}`);
  }

  /**
   * Tenants in slug order, a page at a time. `q` finds the tenants whose slug starts with it (on
   * the slug's unique index).
   */
  async tenants(options: { q?: string; after?: string; limit?: number }): Promise<{
    tenants: TenantRecord[];
    more: boolean;
  }> {
    this.requireOperator('list tenants');
    const limit = pageSize(options.limit, 50);
    const q = options.q?.trim().toLowerCase();
    if (!q) return this.admin.listTenants({ ...(options.after && { after: options.after }), limit });
    const rows = await this.store.repositories.tenants.tenantsPage({
      ...(options.after ? { afterSlug: options.after } : { fromSlug: q }),
      limit: limit + 1,
    });
    const matching = rows.filter((t) => t.slug.startsWith(q));
    // Slugs sort together by prefix: the first that does not start with q ends the search.
    const more = matching.length > limit && matching.length === rows.length;
    return { tenants: matching.slice(0, limit), more };
  }

  async tenant(slug: string): Promise<TenantRecord> {
    return this.admin.tenant(slug);
  }

  /** A tenant by id, if this person may see it (the audit log names tenants by id). */
  async tenantById(id: string): Promise<TenantRecord | undefined> {
    if (this.identity.kind === 'tenant_admin' && id !== this.identity.tenantId) return undefined;
    return this.store.repositories.tenants.tenantById(id);
  }

  async overview(slug: string, publicUrl: string, errors = 5): Promise<TenantOverview> {
    const { tenant, directories } = await this.admin.directoriesOf(slug);
    const views = [];
    const recent: (LogEntry & { directoryName: string })[] = [];
    for (const directory of directories) {
      const [totals, tokens, failures] = await Promise.all([
        this.userTotals(directory),
        this.admin.tokens(directory.id),
        this.admin.searchLogs(directory.id, { status: 'error', limit: errors }),
      ]);
      const at = new Date().toISOString();
      views.push({
        directory,
        settings: parseSettings(directory.settings),
        ...totals,
        activeTokens: tokens.filter((t) => !t.revoked && (!t.expires || t.expires > at)).length,
      });
      recent.push(...failures.entries.map((e) => ({ ...e, directoryName: directory.name })));
    }
    recent.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    const connection = await this.saml.get(slug, publicUrl);
    return {
      tenant,
      directories: views,
      recentErrors: recent.slice(0, errors),
      sso: {
        configured: connection.configured,
        enabled: connection.enabled,
        idpEntityId: connection.idp?.entityId ?? null,
        lastTest: connection.lastTest,
      },
    };
  }

  /**
   * A directory's user counts, each counted on an index up to COUNT_CAP ("10,000+" past it). The one
   * place the overview's counts come from, so running per-directory counts can replace it.
   */
  async userTotals(directory: DirectoryRecord): Promise<UserTotals> {
    const scope = scopeOf(directory);
    const { userPages } = this.store.repositories;
    const [users, activeUsers] = await Promise.all([
      userPages.count(scope),
      userPages.count(scope, { active: true }),
    ]);
    return { users, activeUsers };
  }

  async sso(slug: string, publicUrl: string): Promise<SsoDetail> {
    const tenant = await this.admin.tenant(slug);
    const connection = await this.saml.get(slug, publicUrl);
    const lastTest = connection.lastTest
      ? await this.saml.test(slug, connection.lastTest.id, publicUrl)
      : null;
    const testedSinceChange =
      connection.configured &&
      lastTest?.status === 'succeeded' &&
      connection.updated !== null &&
      lastTest.created >= connection.updated;
    const [signIns, { directories }] = await Promise.all([
      this.saml.log(slug, { limit: 10 }),
      this.directories(slug),
    ]);
    return { tenant, connection, lastTest, testedSinceChange, signIns, directories };
  }

  async directories(slug: string): Promise<{ tenant: TenantRecord; directories: DirectoryView[] }> {
    const { tenant, directories } = await this.admin.directoriesOf(slug);
    return {
      tenant,
      directories: directories.map((directory) => ({
        directory,
        settings: parseSettings(directory.settings),
      })),
    };
  }

  /** The directory, if it is one of this tenant's (else "not found", whatever its id). */
  async directoryIn(slug: string, directoryId: string): Promise<DirectoryView & { tenant: TenantRecord }> {
    const tenant = await this.admin.tenant(slug);
    const directory = await this.admin.directory(directoryId);
    if (directory.tenantId !== tenant.id) throw new DirectoryNotFoundError(`No directory ${directoryId}`);
    return { tenant, directory, settings: parseSettings(directory.settings) };
  }

  async directory(slug: string, directoryId: string): Promise<DirectoryDetail> {
    const view = await this.directoryIn(slug, directoryId);
    const scope = scopeOf(view.directory);
    const rules = await this.lifecycle.groupRoleRules(directoryId);
    const groupRoles = [];
    for (const rule of rules) {
      const group = await this.store.repositories.groups.get(scope, rule.groupId);
      groupRoles.push({ ...rule, groupName: group?.displayName ?? null });
    }
    return { ...view, tokens: await this.admin.tokens(directoryId), groupRoles };
  }

  /**
   * A page of users with their groups and roles: in provisioning order, or in id order with a role
   * filter (the order of the role indexes). The total is counted up to COUNT_CAP.
   */
  async users(
    slug: string,
    directoryId: string,
    filters: UserFilters & { cursor?: string; count?: number },
  ): Promise<{ total: CappedCount; rows: UserRow[]; nextCursor?: string }> {
    const { directory, settings } = await this.directoryIn(slug, directoryId);
    const scope = scopeOf(directory);
    const { repositories } = this.store;
    const role = filters.role?.trim();
    const roleKey = role?.toLowerCase();
    const groupIds = role
      ? (await repositories.lifecycle.groupRoleRules(scope))
          .filter((rule) => rule.role.toLowerCase() === roleKey)
          .map((rule) => rule.groupId)
      : [];
    const page = await repositories.userPages.page(scope, {
      ...(filters.q?.trim() && { prefix: filters.q.trim() }),
      ...(filters.status && { active: filters.status === 'active' }),
      ...(filters.source && { source: filters.source }),
      ...(role && { role: { role, groupIds: [...new Set(groupIds)] } }),
      ...(filters.cursor && { cursor: filters.cursor }),
      limit: pageSize(filters.count, 50),
    });
    const ids = page.users.map((u) => u.id);
    const [groups, roles, signIns] = await Promise.all([
      repositories.users.groupsOf(scope, ids),
      effectiveRolesOfMany(repositories, scope, page.users, settings),
      repositories.console.lastSignIns(directory.tenantId, ids),
    ]);
    const rows = page.users
      .map((user) => ({
        user,
        groups: groups.get(user.id) ?? [],
        roles: roles.get(user.id)?.effective ?? [],
        lastSignIn: signIns.get(user.id) ?? null,
      }))
      // A single-role directory shows one role: a holder whose shown role is another is left out.
      .filter((row) => !roleKey || row.roles.some((r) => r.toLowerCase() === roleKey));
    return {
      total: page.total,
      rows,
      ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
    };
  }

  async user(slug: string, directoryId: string, userId: string, baseUrl: string): Promise<UserDetail> {
    const { directory } = await this.directoryIn(slug, directoryId);
    const { user, resource } = await this.admin.userWithResource(directoryId, userId, baseUrl);
    const roles = await this.lifecycle.effectiveRoles(directoryId, userId);
    const history = await this.store.repositories.logs.search({
      ...scopeOf(directory),
      resourceId: userId,
      limit: 50,
    });
    const signIns = await this.store.repositories.console.lastSignIns(directory.tenantId, [userId]);
    return {
      user,
      resource,
      roles,
      history: history.entries,
      moreHistory: history.nextSeq !== undefined,
      lastSignIn: signIns.get(userId) ?? null,
    };
  }

  /** A page of groups with how many members each has (counted, never loaded); the total up to COUNT_CAP. */
  async groups(
    slug: string,
    directoryId: string,
    options: { q?: string; cursor?: string; count?: number },
  ): Promise<{ total: CappedCount; groups: (StoredGroup & { members: number })[]; nextCursor?: string }> {
    const { directory } = await this.directoryIn(slug, directoryId);
    const page = await this.admin.listGroups(directoryId, {
      ...(options.q && { q: options.q }),
      cursor: options.cursor ?? '',
      count: pageSize(options.count, 50),
      countCap: COUNT_CAP,
    });
    const counts = await this.store.repositories.groups.memberCounts(
      scopeOf(directory),
      page.resources.map((g) => g.id),
    );
    const total =
      page.totalResults > COUNT_CAP
        ? { count: COUNT_CAP, atLeast: true }
        : { count: page.totalResults, atLeast: false };
    return {
      total,
      groups: page.resources.map((g) => ({ ...g, members: counts.get(g.id) ?? 0 })),
      ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
    };
  }

  /** The id of the group with this display name (case-insensitive, on its index) or this id, if any. */
  async groupIdByName(slug: string, directoryId: string, name: string): Promise<string | undefined> {
    const { directory } = await this.directoryIn(slug, directoryId);
    const page = await this.admin.listGroups(directoryId, {
      filter: `displayName eq ${literal(name)}`,
      count: 1,
    });
    if (page.resources[0]) return page.resources[0].id;
    return (await this.store.repositories.groups.get(scopeOf(directory), name))?.id;
  }

  /** A group and one page of its members, in member-id order after `after`. */
  async group(
    slug: string,
    directoryId: string,
    groupId: string,
    options: { after?: string; count?: number },
  ): Promise<{ group: StoredGroup; memberCount: number; members: MemberView[]; nextAfter?: string }> {
    const { directory } = await this.directoryIn(slug, directoryId);
    const scope = scopeOf(directory);
    const { groups } = this.store.repositories;
    const group = await groups.get(scope, groupId);
    if (!group) throw new GroupNotFoundError(`No group ${groupId} in this directory`);
    const [counts, page] = await Promise.all([
      groups.memberCounts(scope, [groupId]),
      groups.membersPage(scope, groupId, {
        ...(options.after && { afterMemberId: options.after }),
        limit: pageSize(options.count, 100),
      }),
    ]);
    const last = page.members.at(-1);
    return {
      group,
      memberCount: counts.get(groupId) ?? 0,
      members: page.members,
      ...(page.more && last && { nextAfter: last.value }),
    };
  }

  async logs(
    slug: string,
    directoryId: string,
    filters: LogFilters & { cursor?: string; limit?: number },
  ): Promise<{ entries: LogEntry[]; nextCursor?: string }> {
    await this.directoryIn(slug, directoryId);
    return this.admin.searchLogs(directoryId, { ...filters, limit: pageSize(filters.limit, 50) });
  }

  /** One log entry with its query string and bodies; "not found" outside this directory. */
  async logEntry(slug: string, directoryId: string, seq: number): Promise<LogEntry> {
    const { directory } = await this.directoryIn(slug, directoryId);
    const entry = Number.isSafeInteger(seq)
      ? await this.store.repositories.logs.entry(directory.tenantId, directory.id, seq)
      : undefined;
    if (!entry) throw new LogEntryNotFoundError(`No log entry ${seq} in this directory`);
    return entry;
  }

  async exportLogs(
    slug: string,
    directoryId: string,
    filters: LogFilters,
  ): Promise<AsyncIterable<LogEntry[]>> {
    await this.directoryIn(slug, directoryId);
    return this.admin.exportLogs(directoryId, filters);
  }

  /** The audit log: a tenant's (`slug`), or every entry (operators, no slug). */
  async audit(slug: string | undefined, options: { cursor?: string; limit?: number }) {
    let tenantId: string | undefined;
    if (slug === undefined) {
      if (this.identity.kind === 'tenant_admin') tenantId = this.identity.tenantId;
    } else tenantId = (await this.admin.tenant(slug)).id;
    return new AuditLog(this.store).page({
      ...(tenantId !== undefined && { tenantId }),
      ...(options.cursor && { cursor: options.cursor }),
      limit: pageSize(options.limit, 50),
    });
  }
}

function scopeOf(directory: DirectoryRecord): Scope {
  return { tenantId: directory.tenantId, directoryId: directory.id };
}
