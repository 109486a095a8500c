import type { FetchIdpMetadataOptions } from '../saml/fetch-idp-metadata.js';
import { InvalidValueError } from '../scim/errors.js';
import type { GroupRoleRule } from '../store/kysely/lifecycle-repository.js';
import type { DirectoryRecord, TenantRecord, TokenRecord } from '../store/ports.js';
import type { Store } from '../store/store.js';
import { DirectoryNotFoundError } from './admin-errors.js';
import { AdminService, type CreatedToken, type DirectoryChanges } from './admin-service.js';
import { type AuditActor, type AuditChange, auditEntry } from './audit-log.js';
import { ConsoleAccessDeniedError } from './console-errors.js';
import type { ConsoleIdentity } from './console-sessions.js';
import type { RoleDefinition } from './directory-settings.js';
import { type LifecycleChanges, LifecycleService } from './lifecycle-service.js';
import { SamlConnectionService, type SamlConnectionView } from './saml-connection-service.js';
import type { SamlTestView } from './saml-tests.js';

/** The role settings the console's form sends; all of them, as shown. */
export interface RoleSettingsInput {
  readonly roles: readonly RoleDefinition[];
  readonly defaultRole: string | null;
  readonly unknownRolePolicy: 'reject' | 'default';
  readonly multiRole: boolean;
  readonly consoleRoles: readonly string[];
}

interface Services {
  readonly admin: AdminService;
  readonly lifecycle: LifecycleService;
  readonly saml: SamlConnectionService;
}

/** What the SSO page's settings form sends: every field as shown (the IdP only when given anew). */
export interface SsoSettingsInput {
  readonly metadataUrl?: string;
  readonly metadataXml?: string;
  readonly wantAssertionsSigned: boolean;
  readonly wantResponseSigned: boolean;
  readonly allowIdpInitiated: boolean;
  /** null: the default (`email`, then the standard claims, then the NameID). */
  readonly emailAttribute: string | null;
  readonly nameAttributes: { givenName?: string; familyName?: string; displayName?: string };
  readonly jit: {
    readonly enabled: boolean;
    readonly directoryId: string | null;
    readonly defaultRole: string | null;
  };
}

export function actorOf(identity: ConsoleIdentity): AuditActor {
  return identity.kind === 'operator'
    ? { kind: 'operator', id: identity.operatorId, email: identity.email }
    : { kind: 'tenant_admin', id: identity.userId, email: identity.email };
}

/**
 * Every change the console makes, each in one transaction with its audit-log row (who, what,
 * when, tenant, target): the change and its record are stored together or not at all. Limited
 * like ConsoleViews: a tenant admin changes only their own tenant.
 */
export class ConsoleChanges {
  private readonly limit: string | null;

  constructor(
    private readonly store: Store,
    private readonly identity: ConsoleIdentity,
    /** How IdP metadata is fetched from a URL (tests allow plain http to a local IdP). */
    private readonly samlFetch: FetchIdpMetadataOptions = {},
  ) {
    this.limit = identity.kind === 'tenant_admin' ? identity.tenantId : null;
  }

  private services(store: Store): Services {
    return {
      admin: new AdminService(store).limitedTo(this.limit),
      lifecycle: new LifecycleService(store).limitedTo(this.limit),
      saml: new SamlConnectionService(store, this.samlFetch).limitedTo(this.limit),
    };
  }

  private async change<T>(
    work: (services: Services) => Promise<T>,
    describe: (result: T) => AuditChange,
  ): Promise<T> {
    return this.store.unitOfWork(async (store) => {
      const result = await work(this.services(store));
      await store.repositories.console.appendAudit(auditEntry(actorOf(this.identity), describe(result)));
      return result;
    });
  }

  // ---- single sign-on (SAML) ----

  /**
   * Saves the SSO settings; the switch stays as it is (it has a form of its own). Metadata behind a
   * URL is fetched first, outside the transaction (no write lock is held while the IdP answers);
   * the settings and their audit record are then written together.
   */
  async saveSso(slug: string, input: SsoSettingsInput, publicUrl: string): Promise<SamlConnectionView> {
    const tenant = await new AdminService(this.store).limitedTo(this.limit).tenant(slug);
    const fetched = input.metadataUrl
      ? await this.services(this.store).saml.fetchMetadata(input.metadataUrl)
      : undefined;
    const body = {
      ...(input.metadataUrl && { metadataUrl: input.metadataUrl }),
      ...(input.metadataXml && { metadataXml: input.metadataXml }),
      wantAssertionsSigned: input.wantAssertionsSigned,
      wantResponseSigned: input.wantResponseSigned,
      allowIdpInitiated: input.allowIdpInitiated,
      emailAttribute: input.emailAttribute,
      nameAttributes: input.nameAttributes,
      jit: input.jit,
    };
    const describe = (view: SamlConnectionView): AuditChange => ({
      tenantId: tenant.id,
      action: 'sso.save',
      targetType: 'saml_connection',
      targetId: tenant.id,
      targetName: view.idp?.entityId ?? null,
      detail: {
        metadata: input.metadataUrl ? 'url' : input.metadataXml ? 'xml' : 'unchanged',
        ...(input.metadataUrl && { metadataUrl: input.metadataUrl }),
        wantAssertionsSigned: input.wantAssertionsSigned,
        wantResponseSigned: input.wantResponseSigned,
        allowIdpInitiated: input.allowIdpInitiated,
        emailAttribute: input.emailAttribute,
        jit: input.jit,
      },
    });
    return this.change(({ saml }) => saml.put(slug, body, publicUrl, fetched), describe);
  }

  /**
   * Switches SSO on or off. On only after a Test Connection that passed since the settings last
   * changed: a connection that was never seen to work would lock the tenant's people out.
   */
  async setSsoEnabled(slug: string, enabled: boolean, publicUrl: string): Promise<SamlConnectionView> {
    let tenantId = '';
    return this.change(
      async ({ admin, saml }) => {
        tenantId = (await admin.tenant(slug)).id;
        const current = await saml.get(slug, publicUrl);
        if (!current.configured)
          throw new InvalidValueError('Set the identity provider up and save before switching SSO on');
        if (enabled && !current.enabled) {
          const test = current.lastTest;
          const passed =
            test?.status === 'succeeded' &&
            current.updated !== null &&
            (await saml.test(slug, test.id, publicUrl)).created >= current.updated;
          if (!passed)
            throw new InvalidValueError(
              'Run Test Connection, and have it succeed, before switching SSO on (a test made before the last change of the settings does not count)',
            );
        }
        return saml.put(slug, { enabled }, publicUrl);
      },
      (view) => ({
        tenantId,
        action: enabled ? 'sso.enable' : 'sso.disable',
        targetType: 'saml_connection',
        targetId: tenantId,
        targetName: view.idp?.entityId ?? null,
      }),
    );
  }

  /** Starts a Test Connection: the admin then opens its URL and signs in at the IdP. */
  async startSsoTest(slug: string, publicUrl: string): Promise<SamlTestView> {
    let tenantId = '';
    return this.change(
      async ({ admin, saml }) => {
        tenantId = (await admin.tenant(slug)).id;
        return saml.startTest(slug, publicUrl);
      },
      (test) => ({ tenantId, action: 'sso.test', targetType: 'saml_test', targetId: test.id }),
    );
  }

  /** The directory if it is one of the tenant's (else "not found"). */
  private async directoryIn(admin: AdminService, slug: string, directoryId: string) {
    const tenant = await admin.tenant(slug);
    const directory = await admin.directory(directoryId);
    if (directory.tenantId !== tenant.id) throw new DirectoryNotFoundError(`No directory ${directoryId}`);
    return { tenant, directory };
  }

  async createTenant(slug: string, name: string | undefined): Promise<TenantRecord> {
    if (this.identity.kind !== 'operator')
      throw new ConsoleAccessDeniedError("Only the vendor's operators can create tenants");
    return this.change(
      ({ admin }) => admin.createTenant(slug.trim(), name?.trim() || undefined),
      (tenant) => ({
        tenantId: tenant.id,
        action: 'tenant.create',
        targetType: 'tenant',
        targetId: tenant.id,
        targetName: tenant.slug,
        detail: { name: tenant.name },
      }),
    );
  }

  async createDirectory(
    slug: string,
    name: string,
    roles: RoleSettingsInput | null,
  ): Promise<DirectoryRecord> {
    return this.change(
      ({ admin }) =>
        admin.createDirectory(slug, {
          name,
          ...(roles && {
            roles: roles.roles,
            ...(roles.defaultRole !== null && { defaultRole: roles.defaultRole }),
            unknownRolePolicy: roles.unknownRolePolicy,
            multiRole: roles.multiRole,
            consoleRoles: roles.consoleRoles,
          }),
        }),
      (directory) => ({
        tenantId: directory.tenantId,
        action: 'directory.create',
        targetType: 'directory',
        targetId: directory.id,
        targetName: directory.name,
      }),
    );
  }

  /** Switches provisioning on or off: off, every SCIM request is refused with 403 and logged. */
  async setProvisioning(slug: string, directoryId: string, enabled: boolean): Promise<DirectoryRecord> {
    return this.change(
      async ({ admin }) => {
        await this.directoryIn(admin, slug, directoryId);
        return admin.setScimEnabled(directoryId, enabled);
      },
      (directory) => ({
        tenantId: directory.tenantId,
        action: enabled ? 'directory.provisioning_on' : 'directory.provisioning_off',
        targetType: 'directory',
        targetId: directory.id,
        targetName: directory.name,
      }),
    );
  }

  /** A new SCIM token; its secret is in the result, this once, and never in the audit log. */
  async generateToken(slug: string, directoryId: string, expires?: string): Promise<CreatedToken> {
    let directoryName = '';
    return this.change(
      async ({ admin }) => {
        directoryName = (await this.directoryIn(admin, slug, directoryId)).directory.name;
        return admin.createToken(directoryId, expires);
      },
      ({ token }) => ({
        tenantId: token.tenantId,
        action: 'token.generate',
        targetType: 'token',
        targetId: token.id,
        targetName: token.prefix,
        detail: { directory: directoryName, expires: token.expires },
      }),
    );
  }

  async revokeToken(slug: string, directoryId: string, tokenId: string): Promise<TokenRecord> {
    return this.change(
      async ({ admin }) => {
        await this.directoryIn(admin, slug, directoryId);
        return admin.revokeDirectoryToken(directoryId, tokenId);
      },
      (token) => ({
        tenantId: token.tenantId,
        action: 'token.revoke',
        targetType: 'token',
        targetId: token.id,
        targetName: token.prefix,
      }),
    );
  }

  /** Replaces the directory's role settings with the form's: allowed roles, default, policies, console roles. */
  async updateRoleSettings(
    slug: string,
    directoryId: string,
    input: RoleSettingsInput,
  ): Promise<DirectoryRecord> {
    const changes: DirectoryChanges = {
      roles: input.roles,
      defaultRole: input.defaultRole,
      unknownRolePolicy: input.unknownRolePolicy,
      multiRole: input.multiRole,
      consoleRoles: input.consoleRoles,
    };
    return this.change(
      async ({ admin }) => {
        await this.directoryIn(admin, slug, directoryId);
        return admin.updateDirectory(directoryId, changes);
      },
      (directory) => ({
        tenantId: directory.tenantId,
        action: 'directory.roles',
        targetType: 'directory',
        targetId: directory.id,
        targetName: directory.name,
        detail: {
          roles: input.roles.map((r) => r.value),
          defaultRole: input.defaultRole,
          unknownRolePolicy: input.unknownRolePolicy,
          multiRole: input.multiRole,
          consoleRoles: input.consoleRoles,
        },
      }),
    );
  }

  async setGroupRoleRules(
    slug: string,
    directoryId: string,
    rules: readonly GroupRoleRule[],
  ): Promise<GroupRoleRule[]> {
    let tenantId = '';
    return this.change(
      async ({ admin, lifecycle }) => {
        tenantId = (await this.directoryIn(admin, slug, directoryId)).tenant.id;
        return lifecycle.setGroupRoleRules(directoryId, rules);
      },
      (saved) => ({
        tenantId,
        action: 'directory.group_roles',
        targetType: 'directory',
        targetId: directoryId,
        detail: { rules: saved.map((r) => ({ groupId: r.groupId, role: r.role })) },
      }),
    );
  }

  async updateLifecycle(
    slug: string,
    directoryId: string,
    changes: LifecycleChanges,
  ): Promise<DirectoryRecord> {
    return this.change(
      async ({ admin }) => {
        await this.directoryIn(admin, slug, directoryId);
        return admin.updateDirectory(directoryId, { lifecycle: changes });
      },
      (directory) => ({
        tenantId: directory.tenantId,
        action: 'directory.lifecycle',
        targetType: 'directory',
        targetId: directory.id,
        targetName: directory.name,
        detail: { ...changes },
      }),
    );
  }

  /** Lets deprovisioning go on after the mass-deprovisioning guard paused it. */
  async releaseDeprovisioning(slug: string, directoryId: string): Promise<void> {
    let tenantId = '';
    let name = '';
    await this.change(
      async ({ admin, lifecycle }) => {
        const { tenant, directory } = await this.directoryIn(admin, slug, directoryId);
        tenantId = tenant.id;
        name = directory.name;
        await lifecycle.releaseDeprovisioning(directoryId);
      },
      () => ({
        tenantId,
        action: 'directory.deprovisioning_release',
        targetType: 'directory',
        targetId: directoryId,
        targetName: name,
      }),
    );
  }
}
