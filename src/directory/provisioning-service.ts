import { isDeepStrictEqual } from 'node:util';
import {
  InvalidValueError,
  NotFoundError,
  PreconditionFailedError,
  type ScimError,
  UniquenessError,
} from '../scim/errors.js';
import { getCaseInsensitive, type JsonObject } from '../scim/json/json-value.js';
import { type ListParameters, parseListParameters, type RawListParameters } from '../scim/list/list-query.js';
import { listResponse } from '../scim/list/list-response.js';
import { needsAttribute, projectResource } from '../scim/list/projection.js';
import { applyPatch, type MemberOp } from '../scim/patch/apply-patch.js';
import { etagOf, renderGroup, renderUser } from '../scim/resource/render-resource.js';
import { type MemberInput, normaliseResource } from '../scim/schema/normalise-resource.js';
import { groupResourceType, type ResourceTypeDefinition } from '../scim/schema/registry.js';
import type { AccountSource, MemberRef, Scope, StoredGroup, StoredUser, TokenScope } from '../store/ports.js';
import type { Repositories, Store } from '../store/store.js';
import { findMatchCandidate } from './account-matching.js';
import { checkProfile, userTypeFor } from './attribute-profile.js';
import { newId, now } from './clock.js';
import { checkDeprovisioning, DeprovisioningPausedError } from './deprovision-guard.js';
import type { DirectorySettings } from './directory-settings.js';
import { event } from './events.js';
import { applyRolePolicy, rolesOf } from './role-policy.js';

/** Who is asking: the directory a valid token opened, and where its SCIM base URL is. */
export interface ScimContext extends Scope {
  readonly settings: DirectorySettings;
  /** What the token may do; null for everything. */
  readonly scopes: readonly TokenScope[] | null;
  /** `{publicUrl}/scim/v2/{directoryId}`, for `meta.location` and `$ref`. */
  readonly baseUrl: string;
}

/** A single-resource answer: the representation (absent for 204) and what the log and ETag need. */
export interface ResourceResult {
  readonly resource?: JsonObject;
  readonly version: number;
  readonly id: string;
  readonly name: string;
  /** What the change did that the provisioning log should say (a role change, a restore, …). */
  readonly note?: string;
}

export interface Projection {
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
}

/**
 * The SCIM operations on one directory, free of HTTP: the http layer parses and renders, this
 * decides. Every write is one transaction, so a request applies completely or not at all.
 */
export class ProvisioningService {
  constructor(private readonly store: Store) {}

  // ---- Users ----

  async listUsers(ctx: ScimContext, raw: RawListParameters): Promise<JsonObject> {
    const params = parseListParameters(raw);
    const type = userTypeFor(ctx.settings.profile);
    const { users } = this.store.repositories;
    const page = await users.list(ctx, { ...params, baseUrl: ctx.baseUrl });
    const groups = needsAttribute(type, params, 'groups')
      ? await users.groupsOf(
          ctx,
          page.resources.map((u) => u.id),
        )
      : undefined;
    const resources = page.resources.map((u) =>
      projectResource(type, renderUser(u, ctx.baseUrl, groups?.get(u.id)), params),
    );
    return listResponse(resources, page.totalResults, startIndexOf(params), page.nextCursor);
  }

  async getUser(ctx: ScimContext, id: string, projection: Projection): Promise<ResourceResult> {
    const user = await this.store.repositories.users.get(ctx, id);
    if (!user) throw userNotFound(id);
    return this.userResult(this.store.repositories, ctx, user, projection);
  }

  /**
   * Creates a user; or brings back the soft-deleted user with the same externalId or userName (so a
   * re-assigned user returns without a 409 the IdP cannot resolve); or, with account matching on,
   * links the existing JIT/admin account with the same email.
   */
  async createUser(ctx: ScimContext, body: unknown, projection: Projection = {}): Promise<ResourceResult> {
    const type = userTypeFor(ctx.settings.profile);
    const data = applyRolePolicy(normaliseResource(type, body).data, ctx.settings);
    checkProfile(data, ctx.settings.profile);
    const time = now();
    const user = storedUser(newId(), 'scim', data, 1, time, time);
    return this.write(ctx, user.userName, async (repos) => {
      const deleted = await repos.users.findDeleted(ctx, user.userName, user.externalId);
      if (deleted) {
        const revived = { ...user, id: deleted.id, version: deleted.version + 1, created: deleted.created };
        await repos.users.revive(ctx, revived);
        await repos.events.append([
          event(ctx, 'user.restored', { type: 'User', id: revived.id }, { by: 'scim' }),
        ]);
        return {
          ...(await this.userResult(repos, ctx, revived, projection)),
          note: 'restored a deleted user',
        };
      }
      if (ctx.settings.accountMatching) {
        const candidate = await findMatchCandidate(repos, ctx, data);
        if (candidate?.trusted) {
          const existing = candidate.existing;
          const linked = storedUser(existing.id, 'scim', data, existing.version + 1, existing.created, time);
          if (!(await repos.users.update(ctx, linked, existing.version, existing)))
            throw new PreconditionFailedError('The account changed during this request');
          await repos.events.append([
            event(
              ctx,
              'user.linked',
              { type: 'User', id: linked.id },
              { email: candidate.email, from: existing.source },
            ),
          ]);
          return {
            ...(await this.userResult(repos, ctx, linked, projection)),
            note: `linked existing ${existing.source} account`,
          };
        }
        await repos.users.insert(ctx, user);
        const events = [
          event(ctx, 'user.created', { type: 'User', id: user.id }, { userName: user.userName }),
        ];
        if (candidate) {
          const match = {
            id: newId(),
            directoryId: ctx.directoryId,
            scimUserId: user.id,
            existingUserId: candidate.existing.id,
            email: candidate.email,
            status: 'pending' as const,
            created: time,
            decided: null,
          };
          await repos.lifecycle.insertMatch(ctx, match);
          events.push(
            event(
              ctx,
              'account_match.pending',
              { type: 'User', id: user.id },
              { matchId: match.id, existingUserId: candidate.existing.id },
            ),
          );
        }
        await repos.events.append(events);
        return {
          ...(await this.userResult(repos, ctx, user, projection)),
          ...(candidate && { note: `possible existing account ${candidate.existing.id} awaits an admin` }),
        };
      }
      await repos.users.insert(ctx, user);
      await repos.events.append([
        event(ctx, 'user.created', { type: 'User', id: user.id }, { userName: user.userName }),
      ]);
      return this.userResult(repos, ctx, user, projection);
    });
  }

  async replaceUser(
    ctx: ScimContext,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection: Projection = {},
  ) {
    const { data } = normaliseResource(userTypeFor(ctx.settings.profile), body);
    return this.updateUser(ctx, id, ifMatch, projection, () => data);
  }

  async patchUser(
    ctx: ScimContext,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection: Projection = {},
  ) {
    return this.updateUser(ctx, id, ifMatch, projection, (current) => {
      const { data, memberOps } = applyPatch(userTypeFor(ctx.settings.profile), current.data, body);
      if (memberOps.length > 0) throw new InvalidValueError('A user has no members');
      return data;
    });
  }

  async deleteUser(ctx: ScimContext, id: string, ifMatch?: string): Promise<ResourceResult> {
    return this.write(ctx, id, async (repos) => {
      const user = await repos.users.get(ctx, id, true);
      if (!user) throw userNotFound(id);
      checkIfMatch(ifMatch, user.version);
      const time = now();
      await checkDeprovisioning(repos, ctx, ctx.settings.deprovisionGuard, time);
      const soft = ctx.settings.deletePolicy === 'soft';
      if (soft) await repos.users.softDelete(ctx, id, time);
      else await repos.users.delete(ctx, id);
      await repos.ssoSessions.deleteForUser(ctx.tenantId, ctx.directoryId, id);
      await repos.events.append([
        event(ctx, 'user.deleted', { type: 'User', id }, { userName: user.userName, soft }),
      ]);
      return {
        id,
        name: user.userName,
        version: user.version,
        ...(soft && { note: `soft-deleted for ${ctx.settings.softDeleteDays} days` }),
      };
    });
  }

  private async updateUser(
    ctx: ScimContext,
    id: string,
    ifMatch: string | undefined,
    projection: Projection,
    change: (current: StoredUser) => JsonObject,
  ): Promise<ResourceResult> {
    let name = id;
    return this.write(
      ctx,
      () => name,
      async (repos) => {
        const current = await repos.users.get(ctx, id, true);
        if (!current) throw userNotFound(id);
        name = current.userName;
        checkIfMatch(ifMatch, current.version);
        const next = applyRolePolicy(change(current), ctx.settings);
        if (isDeepStrictEqual(next, current.data)) return this.userResult(repos, ctx, current, projection);
        checkProfile(next, ctx.settings.profile);
        const time = now();
        const user = storedUser(id, current.source, next, current.version + 1, current.created, time);
        name = user.userName;
        const events = [event(ctx, 'user.updated', { type: 'User', id }, { version: user.version })];
        if (current.active && !user.active) {
          await checkDeprovisioning(repos, ctx, ctx.settings.deprovisionGuard, time);
          events.push(event(ctx, 'user.deactivated', { type: 'User', id }));
          // Deactivation signs the person out everywhere, in the same transaction.
          await repos.ssoSessions.deleteForUser(ctx.tenantId, ctx.directoryId, id);
        } else if (!current.active && user.active)
          events.push(event(ctx, 'user.reactivated', { type: 'User', id }));
        const before = rolesOf(current.data);
        const after = rolesOf(next);
        const rolesChanged = !isDeepStrictEqual([...before].sort(), [...after].sort());
        if (rolesChanged)
          events.push(event(ctx, 'user.roles_changed', { type: 'User', id }, { from: before, to: after }));
        if (!(await repos.users.update(ctx, user, current.version, current)))
          throw new PreconditionFailedError('The user changed during this request');
        await repos.events.append(events);
        const result = await this.userResult(repos, ctx, user, projection);
        // Role changes (e.g. a downgrade from admin to member) are what admins look for in the log.
        return rolesChanged
          ? { ...result, note: `roles: ${before.join(', ') || '(none)'} → ${after.join(', ') || '(none)'}` }
          : result;
      },
    );
  }

  private async userResult(
    repos: Repositories,
    ctx: ScimContext,
    user: StoredUser,
    projection: Projection,
  ): Promise<ResourceResult> {
    const type = userTypeFor(ctx.settings.profile);
    const groups = needsAttribute(type, projection, 'groups')
      ? (await repos.users.groupsOf(ctx, [user.id])).get(user.id)
      : undefined;
    return {
      id: user.id,
      name: user.userName,
      version: user.version,
      resource: projectResource(type, renderUser(user, ctx.baseUrl, groups), projection),
    };
  }

  // ---- Groups ----

  async listGroups(ctx: ScimContext, raw: RawListParameters): Promise<JsonObject> {
    const params = parseListParameters(raw);
    const { groups } = this.store.repositories;
    const page = await groups.list(ctx, { ...params, baseUrl: ctx.baseUrl });
    const members = needsAttribute(groupResourceType, params, 'members')
      ? await groups.members(
          ctx,
          page.resources.map((g) => g.id),
        )
      : undefined;
    const resources = page.resources.map((g) =>
      projectResource(groupResourceType, renderGroup(g, ctx.baseUrl, members?.get(g.id)), params),
    );
    return listResponse(resources, page.totalResults, startIndexOf(params), page.nextCursor);
  }

  async getGroup(ctx: ScimContext, id: string, projection: Projection): Promise<ResourceResult> {
    const group = await this.store.repositories.groups.get(ctx, id);
    if (!group) throw groupNotFound(id);
    return this.groupResult(this.store.repositories, ctx, group, projection);
  }

  async createGroup(ctx: ScimContext, body: unknown, projection: Projection = {}): Promise<ResourceResult> {
    const { data, members } = normaliseResource(groupResourceType, body);
    const time = now();
    const group = storedGroup(newId(), data, 1, time, time);
    return this.write(ctx, group.displayName, async (repos) => {
      await repos.groups.insert(ctx, group);
      await repos.events.append([
        event(ctx, 'group.created', { type: 'Group', id: group.id }, { displayName: group.displayName }),
      ]);
      if (members?.length)
        await repos.groups.addMembers(ctx, group.id, await resolveMembers(repos, ctx, group.id, members));
      return this.groupResult(repos, ctx, group, projection);
    });
  }

  async replaceGroup(
    ctx: ScimContext,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection: Projection = {},
  ) {
    const { data, members } = normaliseResource(groupResourceType, body);
    // PUT replaces the whole group (RFC 7644 §3.5.1), members included: absent members means none.
    const memberOps: MemberOp[] = [{ kind: 'replace', members: members ?? [] }];
    return this.updateGroup(ctx, id, ifMatch, projection, () => ({ data, memberOps }));
  }

  async patchGroup(
    ctx: ScimContext,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection: Projection = {},
  ) {
    return this.updateGroup(ctx, id, ifMatch, projection, (current) =>
      applyPatch(groupResourceType, current.data, body),
    );
  }

  async deleteGroup(ctx: ScimContext, id: string, ifMatch?: string): Promise<ResourceResult> {
    return this.store.transaction(async (repos) => {
      const group = await repos.groups.get(ctx, id, true);
      if (!group) throw groupNotFound(id);
      checkIfMatch(ifMatch, group.version);
      await repos.groups.delete(ctx, id);
      await repos.events.append([
        event(ctx, 'group.deleted', { type: 'Group', id }, { displayName: group.displayName }),
      ]);
      return { id, name: group.displayName, version: group.version };
    });
  }

  private async updateGroup(
    ctx: ScimContext,
    id: string,
    ifMatch: string | undefined,
    projection: Projection,
    change: (current: StoredGroup) => { data: JsonObject; memberOps: MemberOp[] },
  ): Promise<ResourceResult> {
    let name = id;
    return this.write(
      ctx,
      () => name,
      async (repos) => {
        const current = await repos.groups.get(ctx, id, true);
        if (!current) throw groupNotFound(id);
        name = current.displayName;
        checkIfMatch(ifMatch, current.version);
        const { data, memberOps } = change(current);
        if (isDeepStrictEqual(data, current.data) && memberOps.length === 0)
          return this.groupResult(repos, ctx, current, projection);
        for (const op of coalesceMemberOps(memberOps)) await applyMemberOp(repos, ctx, id, op);
        // A membership change is a change of the group: new version, new ETag.
        const group = storedGroup(id, data, current.version + 1, current.created, now());
        name = group.displayName;
        await repos.events.append([
          event(
            ctx,
            'group.updated',
            { type: 'Group', id },
            { version: group.version, memberChanges: memberOps.length },
          ),
        ]);
        if (!(await repos.groups.update(ctx, group, current.version, current)))
          throw new PreconditionFailedError('The group changed during this request');
        return this.groupResult(repos, ctx, group, projection);
      },
    );
  }

  private async groupResult(
    repos: Repositories,
    ctx: ScimContext,
    group: StoredGroup,
    projection: Projection,
  ): Promise<ResourceResult> {
    const members = needsAttribute(groupResourceType, projection, 'members')
      ? (await repos.groups.members(ctx, [group.id])).get(group.id)
      : undefined;
    return {
      id: group.id,
      name: group.displayName,
      version: group.version,
      resource: projectResource(groupResourceType, renderGroup(group, ctx.baseUrl, members), projection),
    };
  }

  // ---- shared ----

  /**
   * Runs a write transaction, turning the database's unique-constraint error into a SCIM 409. When
   * the deprovisioning guard trips, the pause is stored after the rollback, and alerted once.
   */
  private async write<T>(
    ctx: Scope,
    name: string | (() => string),
    work: (repos: Repositories) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.store.transaction(work);
    } catch (error) {
      if (error instanceof DeprovisioningPausedError && error.tripped) {
        const repos = this.store.repositories;
        if (await repos.tenants.pauseDeprovisioning(ctx.directoryId, now()))
          await repos.events.append([
            event(
              ctx,
              'directory.deprovisioning_paused',
              { type: 'Directory', id: ctx.directoryId },
              { reason: error.detail },
            ),
          ]);
      }
      if (this.store.isUniqueViolation(error)) {
        const value = typeof name === 'function' ? name() : name;
        throw new UniquenessError(`"${value}" is already taken in this directory`);
      }
      throw error;
    }
  }
}

function startIndexOf(params: ListParameters): number {
  return params.cursor === undefined ? params.startIndex : 1;
}

export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const current = etagOf(version);
  const accepted = ifMatch.split(',').map((t) => t.trim());
  // Weak comparison (RFC 7232 §2.3.2): W/"3" and "3" name the same version.
  const strip = (tag: string) => tag.replace(/^W\//, '');
  if (!accepted.some((t) => strip(t) === strip(current)))
    throw new PreconditionFailedError(`If-Match ${ifMatch} does not match the current version ${current}`);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function storedUser(
  id: string,
  source: AccountSource,
  data: JsonObject,
  version: number,
  created: string,
  lastModified: string,
): StoredUser {
  const userName = getCaseInsensitive(data, 'userName');
  if (typeof userName !== 'string' || userName === '') throw new InvalidValueError('userName is required');
  return {
    id,
    source,
    userName,
    externalId: stringOrNull(getCaseInsensitive(data, 'externalId')),
    // A user is active unless the client said otherwise (RFC 7643 leaves the default to the server).
    active: getCaseInsensitive(data, 'active') !== false,
    data,
    version,
    created,
    lastModified,
  };
}

function storedGroup(
  id: string,
  data: JsonObject,
  version: number,
  created: string,
  lastModified: string,
): StoredGroup {
  const displayName = getCaseInsensitive(data, 'displayName');
  if (typeof displayName !== 'string' || displayName === '')
    throw new InvalidValueError('displayName is required');
  return {
    id,
    displayName,
    externalId: stringOrNull(getCaseInsensitive(data, 'externalId')),
    data,
    version,
    created,
    lastModified,
  };
}

/** Checks that every member exists in this directory (one query per 500) and learns its type. */
async function resolveMembers(
  repos: Repositories,
  ctx: Scope,
  groupId: string,
  members: readonly MemberInput[],
): Promise<MemberRef[]> {
  const types = await repos.groups.resolveMembers(
    ctx,
    members.map((m) => m.value),
  );
  const missing = members.filter((m) => !types.has(m.value)).map((m) => m.value);
  if (missing.length > 0)
    throw new InvalidValueError(
      `No user or group with id ${missing.slice(0, 5).join(', ')} in this directory`,
    );
  if (members.some((m) => m.value === groupId))
    throw new InvalidValueError('A group cannot be a member of itself');
  return members.map((m) => ({ value: m.value, type: types.get(m.value)! }));
}

/**
 * Merges runs of adds and of removes, so Okta's push of 256 `remove members[value eq …]` operations
 * is one set-based statement, not 256. Order between different kinds is kept.
 */
export function coalesceMemberOps(ops: readonly MemberOp[]): MemberOp[] {
  const out: MemberOp[] = [];
  for (const op of ops) {
    const last = out.at(-1);
    if (last?.kind === 'add' && op.kind === 'add')
      out[out.length - 1] = { kind: 'add', members: [...last.members, ...op.members] };
    else if (last?.kind === 'remove' && op.kind === 'remove')
      out[out.length - 1] = { kind: 'remove', ids: [...last.ids, ...op.ids] };
    else out.push(op);
  }
  return out;
}

async function applyMemberOp(repos: Repositories, ctx: Scope, groupId: string, op: MemberOp): Promise<void> {
  switch (op.kind) {
    case 'add':
      if (op.members.length > 0)
        await repos.groups.addMembers(ctx, groupId, await resolveMembers(repos, ctx, groupId, op.members));
      return;
    case 'remove':
      await repos.groups.removeMembers(ctx, groupId, op.ids);
      return;
    case 'removeAll':
      await repos.groups.removeAllMembers(ctx, groupId);
      return;
    case 'replace': {
      const members = op.members.length > 0 ? await resolveMembers(repos, ctx, groupId, op.members) : [];
      await repos.groups.removeAllMembers(ctx, groupId);
      await repos.groups.addMembers(ctx, groupId, members);
      return;
    }
    case 'removeWhere':
      await repos.groups.removeMembersWhere(ctx, groupId, op.filter);
      return;
  }
}

function userNotFound(id: string): ScimError {
  return new NotFoundError(`User ${id} not found`);
}

function groupNotFound(id: string): ScimError {
  return new NotFoundError(`Group ${id} not found`);
}

export type { ResourceTypeDefinition };
