import { InvalidValueError, NotFoundError, UniquenessError } from '../scim/errors.js';
import type { DirectoryRecord, LogEntry, TenantRecord, TokenRecord } from '../store/ports.js';
import type { Store } from '../store/store.js';
import { newId, now } from './clock.js';
import {
  DEFAULT_SETTINGS,
  type DirectorySettings,
  type RoleDefinition,
  serialiseSettings,
} from './directory-settings.js';
import { generateToken } from './scim-tokens.js';

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
}

/** Tenants, directories and tokens: what operators manage around the SCIM endpoints. */
export class AdminService {
  constructor(private readonly store: Store) {}

  async createTenant(slug: string, name?: string): Promise<TenantRecord> {
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
    if (!tenant) throw new NotFoundError(`No tenant "${slug}"`);
    return tenant;
  }

  async createDirectory(tenantSlug: string, input: DirectoryInput): Promise<DirectoryRecord> {
    const tenant = await this.tenant(tenantSlug);
    const settings = validateSettings({
      ...DEFAULT_SETTINGS,
      roles: input.roles ?? [],
      ...(input.defaultRole !== undefined && { defaultRole: input.defaultRole }),
      unknownRolePolicy: input.unknownRolePolicy ?? 'reject',
      multiRole: input.multiRole ?? false,
    });
    if (!input.name.trim()) throw new InvalidValueError('A directory needs a name');
    const time = now();
    const directory: DirectoryRecord = {
      id: newId(),
      tenantId: tenant.id,
      name: input.name.trim(),
      settings: serialiseSettings(settings),
      scimEnabled: true,
      created: time,
      updated: time,
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
    if (!directory) throw new NotFoundError(`No directory ${id}`);
    return directory;
  }

  async setScimEnabled(id: string, enabled: boolean): Promise<DirectoryRecord> {
    const directory = { ...(await this.directory(id)), scimEnabled: enabled, updated: now() };
    await this.store.repositories.tenants.updateDirectory(directory);
    return directory;
  }

  async createToken(directoryId: string, expires?: string): Promise<CreatedToken> {
    const directory = await this.directory(directoryId);
    const { secret, displayPrefix, hash } = generateToken();
    const token: TokenRecord = {
      id: newId(),
      tenantId: directory.tenantId,
      directoryId: directory.id,
      prefix: displayPrefix,
      created: now(),
      lastUsed: null,
      expires: expires ?? null,
      revoked: null,
    };
    await this.store.repositories.tokens.insert(token, hash);
    return { token, secret };
  }

  async revokeToken(tokenId: string): Promise<TokenRecord> {
    const token = await this.store.repositories.tokens.byId(tokenId);
    if (!token) throw new NotFoundError(`No token ${tokenId}`);
    if (!token.revoked) await this.store.repositories.tokens.revoke(tokenId, now());
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
  return settings;
}
