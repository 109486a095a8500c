import type { SigningCertificate } from '../saml/certificate.js';
import { type NameAttributes, serviceProviderFor } from '../saml/connection.js';
import { SamlError } from '../saml/errors.js';
import { type FetchIdpMetadataOptions, fetchIdpMetadata } from '../saml/fetch-idp-metadata.js';
import { DEFAULT_EMAIL_ATTRIBUTE } from '../saml/identity.js';
import { type IdpMetadata, parseIdpMetadata } from '../saml/idp-metadata.js';
import { NotFoundError } from '../scim/errors.js';
import type { SamlConnectionRecord, SsoLogEntry, SsoLogOutcome } from '../store/kysely/saml-repository.js';
import type { TenantRecord } from '../store/ports.js';
import type { Store } from '../store/store.js';
import { TenantNotFoundError } from './admin-errors.js';
import { newId, now } from './clock.js';
import { parseSettings } from './directory-settings.js';
import { METADATA_REFRESH_MS, type RefreshOutcome, refreshMetadata } from './saml-maintenance.js';
import {
  connectionOf,
  DEFAULT_JIT,
  type JitSettings,
  type MetadataSource,
  parseSamlSettings,
  type SamlSettings,
  serialiseSamlSettings,
} from './saml-settings.js';
import { type SamlTestView, TEST_KEPT_MS, testView } from './saml-tests.js';

/** The tenant has no SAML connection. */
export class SamlConnectionNotFoundError extends NotFoundError {}
/** No such Test Connection of the tenant (or it was purged). */
export class SamlTestNotFoundError extends NotFoundError {}

/**
 * What an admin sends to set a connection up or change it (`PUT …/saml`). The IdP comes from one of
 * a metadata URL, pasted metadata XML, or entity ID + SSO URL + certificates; absent fields keep their
 * current value (a new connection starts from the defaults, and needs an IdP).
 */
export interface SamlConnectionInput {
  readonly enabled?: boolean;
  readonly metadataUrl?: string;
  readonly metadataXml?: string;
  readonly entityId?: string;
  readonly ssoUrl?: string;
  readonly certificates?: readonly string[];
  readonly wantAssertionsSigned?: boolean;
  readonly wantResponseSigned?: boolean;
  readonly allowIdpInitiated?: boolean;
  /** null: back to the default (`email`, then the standard claims, then the NameID). */
  readonly emailAttribute?: string | null;
  readonly nameAttributes?: NameAttributes | null;
  readonly jit?: {
    readonly enabled?: boolean;
    readonly directoryId?: string | null;
    readonly defaultRole?: string | null;
  };
}

/** IdP metadata as fetched from its URL. */
export interface FetchedMetadata {
  readonly url: string;
  readonly metadata: IdpMetadata;
}

/** The SP values the admin pastes into the IdP (Entra's Basic SAML Configuration). */
export interface SpValues {
  /** "Identifier (Entity ID)" */
  readonly entityId: string;
  /** "Reply URL (Assertion Consumer Service URL)" */
  readonly acsUrl: string;
  /** "Sign on URL" */
  readonly signOnUrl: string;
  readonly metadataUrl: string;
}

/** A tenant's connection as the admin API and the CLI show it. */
export interface SamlConnectionView {
  readonly tenant: string;
  /** False until the first PUT; the SP values are shown all the same, for the IdP side. */
  readonly configured: boolean;
  readonly enabled: boolean;
  readonly sp: SpValues;
  readonly idp: {
    readonly entityId: string;
    readonly ssoUrl: string;
    readonly certificates: SigningCertificate[];
  } | null;
  readonly metadataSource: MetadataSource | null;
  readonly metadataUrl: string | null;
  readonly metadataRefreshedAt: string | null;
  /** The last refresh failed (the last good metadata stays in use); cleared by a good one. */
  readonly metadataRefreshError: { readonly at: string; readonly reason: string } | null;
  readonly wantAssertionsSigned: boolean;
  readonly wantResponseSigned: boolean;
  readonly allowIdpInitiated: boolean;
  readonly emailAttribute: string;
  readonly nameAttributes: NameAttributes;
  readonly jit: JitSettings;
  readonly lastTest: {
    readonly id: string;
    readonly status: string;
    readonly completed: string | null;
  } | null;
  readonly created: string | null;
  readonly updated: string | null;
}

const DEFAULTS: Omit<SamlSettings, 'idpEntityId' | 'ssoUrl' | 'certificates' | 'source'> = {
  wantAssertionsSigned: false,
  wantResponseSigned: false,
  allowIdpInitiated: true,
  emailAttribute: null,
  nameAttributes: {},
  jit: DEFAULT_JIT,
};

export function spValuesFor(publicUrl: string, tenantSlug: string): SpValues {
  const sp = serviceProviderFor(publicUrl, tenantSlug);
  return { entityId: sp.entityId, acsUrl: sp.acsUrl, signOnUrl: sp.loginUrl, metadataUrl: sp.metadataUrl };
}

/**
 * A tenant's SAML connection, as admins manage it: set up and change, Test Connection, refresh the
 * metadata now, the sign-in log. An instance made by `limitedTo(tenantId)` serves one tenant, like
 * AdminService: any other tenant is "not found" to it.
 */
export class SamlConnectionService {
  constructor(
    private readonly store: Store,
    private readonly fetchOptions: FetchIdpMetadataOptions = {},
    private readonly onlyTenantId: string | null = null,
  ) {}

  limitedTo(tenantId: string | null): SamlConnectionService {
    return tenantId === null ? this : new SamlConnectionService(this.store, this.fetchOptions, tenantId);
  }

  private async tenant(slug: string): Promise<TenantRecord> {
    const tenant = await this.store.repositories.tenants.tenantBySlug(slug);
    if (!tenant || (this.onlyTenantId !== null && tenant.id !== this.onlyTenantId))
      throw new TenantNotFoundError(`No tenant "${slug}"`);
    return tenant;
  }

  private async record(tenant: TenantRecord): Promise<SamlConnectionRecord> {
    const record = await this.store.repositories.saml.connection(tenant.id);
    if (!record) throw new SamlConnectionNotFoundError(`Tenant ${tenant.slug} has no SAML connection`);
    return record;
  }

  async get(slug: string, publicUrl: string): Promise<SamlConnectionView> {
    const tenant = await this.tenant(slug);
    const record = await this.store.repositories.saml.connection(tenant.id);
    return this.view(tenant, record, publicUrl);
  }

  /**
   * The IdP's metadata from its URL, fetched ahead of `put`: a caller that writes in a transaction
   * fetches first, so no write lock is held while the IdP answers.
   */
  async fetchMetadata(url: string): Promise<FetchedMetadata> {
    const trimmed = url.trim();
    return { url: trimmed, metadata: (await fetchIdpMetadata(trimmed, this.fetchOptions)).metadata };
  }

  /**
   * Sets the connection up or changes it; nothing is written unless all of it is valid. A metadata
   * URL is fetched here unless `fetched` holds what `fetchMetadata` got from that same URL.
   */
  async put(
    slug: string,
    input: SamlConnectionInput,
    publicUrl: string,
    fetched?: FetchedMetadata,
  ): Promise<SamlConnectionView> {
    const tenant = await this.tenant(slug);
    const { saml } = this.store.repositories;
    const current = await saml.connection(tenant.id);
    const was = current ? parseSamlSettings(current.config) : undefined;
    const time = now();

    const manual =
      input.entityId !== undefined || input.ssoUrl !== undefined || input.certificates !== undefined;
    const sources = [input.metadataUrl !== undefined, input.metadataXml !== undefined, manual].filter(
      Boolean,
    );
    if (sources.length > 1)
      throw new SamlError(
        'CONNECTION_INVALID',
        'give the IdP one way: metadataUrl, or metadataXml, or entityId, ssoUrl and certificates',
      );

    let idp: Pick<SamlSettings, 'idpEntityId' | 'ssoUrl' | 'certificates' | 'source'>;
    let metadataUrl = current?.metadataUrl ?? null;
    let refreshedAt = current?.metadataRefreshedAt ?? null;
    let nextRefresh = current?.metadataNextRefreshAt ?? null;
    let metadataError = current?.metadataError ?? null;
    let metadataErrorAt = current?.metadataErrorAt ?? null;
    if (input.metadataUrl !== undefined) {
      const url = input.metadataUrl.trim();
      const { metadata } = fetched?.url === url ? fetched : await this.fetchMetadata(url);
      idp = fromMetadata(metadata, 'url');
      metadataUrl = url;
      refreshedAt = time;
      nextRefresh = new Date(Date.parse(time) + METADATA_REFRESH_MS).toISOString();
      metadataError = null;
      metadataErrorAt = null;
    } else {
      if (input.metadataXml !== undefined) {
        idp = fromMetadata(parseIdpMetadata(input.metadataXml), 'xml');
      } else if (manual) {
        const entityId = input.entityId ?? was?.idpEntityId;
        const ssoUrl = input.ssoUrl ?? was?.ssoUrl;
        const certificates = input.certificates ?? was?.certificates;
        if (!entityId || !ssoUrl || !certificates)
          throw new SamlError(
            'CONNECTION_INVALID',
            'a new connection entered by hand needs entityId, ssoUrl and certificates',
          );
        idp = { idpEntityId: entityId, ssoUrl, certificates, source: 'manual' };
      } else if (was) {
        idp = was;
      } else {
        throw new SamlError(
          'CONNECTION_INVALID',
          'a new connection needs its IdP: metadataUrl, or metadataXml, or entityId, ssoUrl and certificates',
        );
      }
      if (input.metadataXml !== undefined || manual) {
        metadataUrl = null;
        refreshedAt = null;
        nextRefresh = null;
        metadataError = null;
        metadataErrorAt = null;
      }
    }

    const emailAttribute =
      input.emailAttribute === undefined
        ? (was?.emailAttribute ?? null)
        : input.emailAttribute?.trim() || null;
    const settings: SamlSettings = {
      ...DEFAULTS,
      ...was,
      ...idp,
      ...(input.wantAssertionsSigned !== undefined && { wantAssertionsSigned: input.wantAssertionsSigned }),
      ...(input.wantResponseSigned !== undefined && { wantResponseSigned: input.wantResponseSigned }),
      ...(input.allowIdpInitiated !== undefined && { allowIdpInitiated: input.allowIdpInitiated }),
      emailAttribute,
      nameAttributes:
        input.nameAttributes === undefined
          ? (was?.nameAttributes ?? {})
          : cleanNames(input.nameAttributes ?? {}),
      // Checked when changed: a JIT directory deleted since must not block switching the connection off.
      jit:
        input.jit === undefined && was
          ? was.jit
          : await this.checkJit(tenant, { ...(was?.jit ?? DEFAULT_JIT), ...input.jit }),
    };
    // Normalises the certificates (PEM, duplicates dropped) and checks every value the core needs.
    const connection = connectionOf(settings);
    const stored: SamlSettings = { ...settings, certificates: connection.certificates.map((c) => c.pem) };
    const record: SamlConnectionRecord = {
      tenantId: tenant.id,
      enabled: input.enabled ?? current?.enabled ?? false,
      config: serialiseSamlSettings(stored),
      metadataUrl,
      metadataRefreshedAt: refreshedAt,
      metadataNextRefreshAt: nextRefresh,
      metadataError,
      metadataErrorAt,
      lastTestId: current?.lastTestId ?? null,
      created: current?.created ?? time,
      updated: time,
    };
    await saml.saveConnection(record);
    return this.view(tenant, record, publicUrl);
  }

  /** Removes the connection; sign-ins through it stop at once (sessions already open run out). */
  async remove(slug: string): Promise<void> {
    const tenant = await this.tenant(slug);
    if (!(await this.store.repositories.saml.deleteConnection(tenant.id)))
      throw new SamlConnectionNotFoundError(`Tenant ${slug} has no SAML connection`);
  }

  /** Fetches the metadata from its URL now; the outcome and the connection as it then is. */
  async refresh(
    slug: string,
    publicUrl: string,
  ): Promise<{ outcome: RefreshOutcome; connection: SamlConnectionView }> {
    const tenant = await this.tenant(slug);
    const record = await this.record(tenant);
    if (!record.metadataUrl)
      throw new SamlError('CONNECTION_INVALID', 'the connection has no metadata URL to refresh from');
    const outcome = await refreshMetadata(this.store, record, now(), this.fetchOptions);
    return { outcome, connection: await this.get(slug, publicUrl) };
  }

  /** Starts a Test Connection: the admin opens its URL, signs in at the IdP, and sees what it sent. */
  async startTest(slug: string, publicUrl: string): Promise<SamlTestView> {
    const tenant = await this.tenant(slug);
    await this.record(tenant);
    const time = now();
    const test = {
      tenantId: tenant.id,
      id: newId(),
      status: 'pending' as const,
      created: time,
      completed: null,
      result: null,
      expires: new Date(Date.parse(time) + TEST_KEPT_MS).toISOString(),
    };
    await this.store.transaction(async (repos) => {
      await repos.saml.insertTest(test);
      await repos.saml.setLastTest(tenant.id, test.id);
    });
    return testView(test, publicUrl, tenant.slug);
  }

  async test(slug: string, testId: string, publicUrl: string): Promise<SamlTestView> {
    const tenant = await this.tenant(slug);
    const test = await this.store.repositories.saml.test(tenant.id, testId);
    if (!test) throw new SamlTestNotFoundError(`No Test Connection ${testId} of tenant ${slug}`);
    return testView(test, publicUrl, tenant.slug);
  }

  /** The tenant's sign-in log, newest first. */
  async log(
    slug: string,
    options: { limit?: number; before?: number; outcome?: SsoLogOutcome } = {},
  ): Promise<(SsoLogEntry & { seq: number })[]> {
    const tenant = await this.tenant(slug);
    return this.store.repositories.saml.log(tenant.id, {
      limit: Math.min(Math.max(options.limit ?? 100, 1), 1000),
      ...(options.before !== undefined && { beforeSeq: options.before }),
      ...(options.outcome !== undefined && { outcome: options.outcome }),
    });
  }

  /**
   * JIT settings checked against the tenant: its directory must be one of the tenant's, and its
   * role one of the directory's (by value or display name, kept as the value).
   */
  private async checkJit(tenant: TenantRecord, jit: JitSettings): Promise<JitSettings> {
    const directoryId = jit.directoryId?.trim() || null;
    const enabled = jit.enabled === true;
    if (directoryId === null) {
      if (enabled)
        throw new SamlError('CONNECTION_INVALID', 'jit.directoryId is required while JIT is enabled');
      return { enabled, directoryId: null, defaultRole: jit.defaultRole?.trim() || null };
    }
    const directory = await this.store.repositories.tenants.directoryById(directoryId);
    if (!directory || directory.tenantId !== tenant.id)
      throw new SamlError(
        'CONNECTION_INVALID',
        `jit.directoryId: tenant ${tenant.slug} has no directory ${directoryId}`,
      );
    const role = jit.defaultRole?.trim() || null;
    if (role === null) return { enabled, directoryId, defaultRole: null };
    const { roles } = parseSettings(directory.settings);
    if (roles.length === 0) return { enabled, directoryId, defaultRole: role };
    const match = roles.find(
      (r) => r.value.toLowerCase() === role.toLowerCase() || r.display.toLowerCase() === role.toLowerCase(),
    );
    if (!match)
      throw new SamlError(
        'CONNECTION_INVALID',
        `jit.defaultRole: "${role}" is not one of the roles of directory ${directory.name}: ${roles.map((r) => r.value).join(', ')}`,
      );
    return { enabled, directoryId, defaultRole: match.value };
  }

  private async view(
    tenant: TenantRecord,
    record: SamlConnectionRecord | undefined,
    publicUrl: string,
  ): Promise<SamlConnectionView> {
    const sp = spValuesFor(publicUrl, tenant.slug);
    if (!record)
      return {
        tenant: tenant.slug,
        configured: false,
        enabled: false,
        sp,
        idp: null,
        metadataSource: null,
        metadataUrl: null,
        metadataRefreshedAt: null,
        metadataRefreshError: null,
        ...DEFAULTS,
        emailAttribute: DEFAULT_EMAIL_ATTRIBUTE,
        lastTest: null,
        created: null,
        updated: null,
      };
    const settings = parseSamlSettings(record.config);
    const connection = connectionOf(settings);
    const last = record.lastTestId
      ? await this.store.repositories.saml.test(tenant.id, record.lastTestId)
      : undefined;
    return {
      tenant: tenant.slug,
      configured: true,
      enabled: record.enabled,
      sp,
      idp: {
        entityId: connection.idpEntityId,
        ssoUrl: connection.ssoUrl,
        certificates: [...connection.certificates],
      },
      metadataSource: settings.source,
      metadataUrl: record.metadataUrl,
      metadataRefreshedAt: record.metadataRefreshedAt,
      metadataRefreshError:
        record.metadataError && record.metadataErrorAt
          ? { at: record.metadataErrorAt, reason: record.metadataError }
          : null,
      wantAssertionsSigned: settings.wantAssertionsSigned,
      wantResponseSigned: settings.wantResponseSigned,
      allowIdpInitiated: settings.allowIdpInitiated,
      emailAttribute: settings.emailAttribute ?? DEFAULT_EMAIL_ATTRIBUTE,
      nameAttributes: settings.nameAttributes,
      jit: settings.jit,
      lastTest: last ? { id: last.id, status: last.status, completed: last.completed } : null,
      created: record.created,
      updated: record.updated,
    };
  }
}

function fromMetadata(
  metadata: IdpMetadata,
  source: MetadataSource,
): Pick<SamlSettings, 'idpEntityId' | 'ssoUrl' | 'certificates' | 'source'> {
  return {
    idpEntityId: metadata.entityId,
    ssoUrl: (metadata.ssoUrls.redirect ?? metadata.ssoUrls.post)!,
    certificates: metadata.certificates.map((certificate) => certificate.pem),
    source,
  };
}

function cleanNames(names: NameAttributes): NameAttributes {
  const cleaned: NameAttributes = {};
  for (const part of ['givenName', 'familyName', 'displayName'] as const) {
    const value = names[part]?.trim();
    if (value) cleaned[part] = value;
  }
  return cleaned;
}
