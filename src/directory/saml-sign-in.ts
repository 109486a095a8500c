import { createAuthnRequest } from '../saml/authn-request.js';
import { type ServiceProvider, serviceProviderFor } from '../saml/connection.js';
import { SamlError } from '../saml/errors.js';
import type { FetchIdpMetadataOptions } from '../saml/fetch-idp-metadata.js';
import { peekInResponseTo } from '../saml/peek-response.js';
import { safeRelayState } from '../saml/relay-state.js';
import { generateSpMetadata } from '../saml/sp-metadata.js';
import { type SamlSignIn, validateSamlResponse } from '../saml/validate-response.js';
import type {
  SamlConnectionRecord,
  SamlRequestRecord,
  SsoLogEntry,
} from '../store/kysely/saml-repository.js';
import type { TenantRecord } from '../store/ports.js';
import type { Store } from '../store/store.js';
import { newId } from './clock.js';
import { METADATA_REFRESH_MS, refreshMetadata } from './saml-maintenance.js';
import { findPerson, provisionJustInTime, rolesOfPerson } from './saml-people.js';
import { connectionOf, parseSamlSettings, type SamlSettings } from './saml-settings.js';
import {
  type SamlTestResult,
  type SamlTestView,
  serialiseTestOutcome,
  TEST_START_MS,
  testView,
} from './saml-tests.js';
import { displayNameOf, type SsoSessions, type StartedSession } from './sso-sessions.js';
import { isStorableText } from './storable-text.js';

/** Where the request came in: which tenant, and the public URL its SP values are built from. */
export interface SsoContext {
  readonly tenantSlug: string;
  readonly publicUrl: string;
}

export type LoginOutcome =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly error: SamlError };

/** Who signed in, for the page and the log. */
export interface SignedIn {
  readonly tenantId: string;
  readonly directoryId: string;
  readonly userId: string;
  readonly email: string;
  readonly name: string | null;
  readonly roles: readonly string[];
  readonly jit: boolean;
}

export type AcsOutcome =
  | {
      readonly kind: 'signed-in';
      readonly session: StartedSession;
      readonly signedIn: SignedIn;
      /** A same-origin path. */
      readonly redirectTo: string;
      readonly reference: string;
    }
  | { readonly kind: 'test'; readonly test: SamlTestView; readonly reference: string }
  | {
      readonly kind: 'refused';
      readonly error: SamlError;
      /** The sign-in log entry that holds the reason (shown to the person, to quote to their admin). */
      readonly reference: string;
      /** The Test Connection the response answered, when it did. */
      readonly test?: SamlTestView;
    };

/** An on-demand metadata refresh (a response signed by a certificate we lack) happens at most this often. */
const ON_DEMAND_REFRESH_MS = 5 * 60_000;

export interface SamlSignInOptions {
  readonly sessions: SsoSessions;
  readonly fetchOptions?: FetchIdpMetadataOptions;
}

/**
 * SP-initiated login and the ACS: everything between the browser and a session, with no HTTP in
 * it. Refusals come back as values carrying a SamlError (the admin's reason, the person's sentence)
 * and the id of the sign-in log entry that records them.
 */
export class SamlSignInService {
  constructor(
    private readonly store: Store,
    private readonly options: SamlSignInOptions,
  ) {}

  /** The tenant's SP metadata document, or undefined for an unknown tenant. */
  async spMetadata(context: SsoContext): Promise<string | undefined> {
    if (!isStorableText(context.tenantSlug)) return undefined;
    const tenant = await this.store.repositories.tenants.tenantBySlug(context.tenantSlug);
    if (!tenant) return undefined;
    const record = await this.store.repositories.saml.connection(tenant.id);
    const settings = record && parseSamlSettings(record.config);
    return generateSpMetadata(serviceProviderFor(context.publicUrl, tenant.slug), {
      wantAssertionsSigned: settings?.wantAssertionsSigned ?? false,
    });
  }

  /**
   * An AuthnRequest for the tenant's IdP: the URL to send the browser to. The request ID is kept
   * (an hour) so that exactly one response can answer it, on any node. With `testId`, the login
   * of a pending Test Connection, which works while the connection is switched off.
   */
  async startLogin(
    context: SsoContext,
    input: { relayState?: string; testId?: string } = {},
  ): Promise<LoginOutcome> {
    const found = await this.connection(context.tenantSlug);
    if ('error' in found) return { ok: false, error: found.error };
    const { tenant, record, settings } = found;
    const now = new Date();
    if (input.testId !== undefined) {
      const test = isStorableText(input.testId)
        ? await this.store.repositories.saml.test(tenant.id, input.testId)
        : undefined;
      if (test?.status !== 'pending' || Date.parse(test.created) + TEST_START_MS <= now.getTime())
        return {
          ok: false,
          error: new SamlError('TEST_NOT_PENDING', `Test Connection ${input.testId} is not pending`),
        };
    } else if (!record.enabled) {
      return { ok: false, error: disabled(tenant) };
    }
    const request = await createAuthnRequest(this.sp(context, tenant), connectionOf(settings), {
      ...(input.relayState !== undefined && { relayState: input.relayState }),
      origin: context.publicUrl,
      forceAuthn: input.testId !== undefined,
      now,
    });
    await this.store.repositories.saml.insertRequest({
      tenantId: tenant.id,
      id: request.requestId,
      testId: input.testId ?? null,
      relayState: request.relayState ?? null,
      created: request.issuedAt,
      expires: request.expiresAt,
    });
    return { ok: true, url: request.url };
  }

  /** Takes a SAMLResponse posted to the tenant's ACS. */
  async acs(
    context: SsoContext,
    input: { samlResponse: unknown; relayState?: unknown },
  ): Promise<AcsOutcome> {
    const reference = newId();
    const found = await this.connection(context.tenantSlug);
    if ('error' in found) {
      if (found.tenant) await this.logRefusal(found.tenant.id, reference, found.error, {});
      return { kind: 'refused', error: found.error, reference };
    }
    const { tenant, record, settings } = found;
    const now = new Date();
    const peeked = peekInResponseTo(input.samlResponse);
    const testId =
      peeked && isStorableText(peeked)
        ? await this.store.repositories.saml.testOfRequest(tenant.id, peeked, now.toISOString())
        : undefined;
    if (!record.enabled && !testId) {
      const error = disabled(tenant);
      await this.logRefusal(tenant.id, reference, error, {});
      return { kind: 'refused', error, reference };
    }

    let accepted: { signIn: SamlSignIn; claimed?: SamlRequestRecord };
    try {
      accepted = await this.accept(
        input.samlResponse,
        tenant,
        this.sp(context, tenant),
        record,
        settings,
        now,
      );
    } catch (error) {
      if (!(error instanceof SamlError)) throw error;
      await this.logRefusal(tenant.id, reference, error, { testId });
      const test = testId
        ? await this.completeTest(tenant, context, testId, { error: describe(error) })
        : undefined;
      return { kind: 'refused', error, reference, ...(test && { test }) };
    }
    const { signIn, claimed } = accepted;

    if (claimed?.testId) {
      const test = await this.completeTest(tenant, context, claimed.testId, {
        result: await this.dryRun(tenant.id, signIn, settings),
      });
      if (test) {
        await this.appendLog(tenant.id, reference, 'test', { signIn });
        return { kind: 'test', test, reference };
      }
    }
    // The peek above only chose which refusal to show; a switched-off connection signs in nobody.
    if (!record.enabled || claimed?.testId) {
      const error = claimed?.testId
        ? new SamlError('TEST_NOT_PENDING', `Test Connection ${claimed.testId} is gone`)
        : disabled(tenant);
      await this.logRefusal(tenant.id, reference, error, { signIn });
      return { kind: 'refused', error, reference };
    }

    let signedIn: SignedIn;
    try {
      signedIn = await this.signInPerson(tenant.id, signIn, settings);
    } catch (error) {
      if (!(error instanceof SamlError)) throw error;
      await this.logRefusal(tenant.id, reference, error, { signIn });
      return { kind: 'refused', error, reference };
    }
    const session = await this.options.sessions.start({
      tenantId: tenant.id,
      directoryId: signedIn.directoryId,
      userId: signedIn.userId,
      nameId: signIn.nameId,
      email: signIn.email,
      ...(signIn.sessionIndex && { sessionIndex: signIn.sessionIndex }),
    });
    await this.appendLog(tenant.id, reference, 'signed_in', {
      signIn,
      directoryId: signedIn.directoryId,
      userId: signedIn.userId,
      reason: signedIn.jit ? 'created by Just-In-Time provisioning' : null,
    });
    // SP-initiated: where the AuthnRequest said (never what came back with the answer); IdP-initiated: a
    // RelayState the IdP sent, when it is a path on our origin.
    const relayState = claimed
      ? (claimed.relayState ?? undefined)
      : safeRelayState(input.relayState, { origin: context.publicUrl });
    return {
      kind: 'signed-in',
      session,
      signedIn,
      redirectTo: relayState ?? `/sso/${encodeURIComponent(tenant.slug)}/signed-in`,
      reference,
    };
  }

  /**
   * Validates the response; when a signature fails and the connection has a metadata URL, fetches the
   * metadata once (a rollover) and validates again. Throws a SamlError when refused.
   */
  private async accept(
    samlResponse: unknown,
    tenant: TenantRecord,
    sp: ServiceProvider,
    record: SamlConnectionRecord,
    settings: SamlSettings,
    now: Date,
  ): Promise<{ signIn: SamlSignIn; claimed?: SamlRequestRecord }> {
    let claimed: SamlRequestRecord | undefined;
    const onClaim = (request: SamlRequestRecord) => {
      claimed = request;
    };
    let signIn: SamlSignIn;
    try {
      signIn = await this.validate(samlResponse, tenant, sp, settings, onClaim);
    } catch (error) {
      const refreshed = await this.refreshOnDemand(error, record, now);
      if (!refreshed) throw error;
      signIn = await this.validate(samlResponse, tenant, sp, refreshed, onClaim);
    }
    return { signIn, ...(claimed && { claimed }) };
  }

  /** The person the response names, as a user of the tenant: found, or created by JIT. */
  private async signInPerson(
    tenantId: string,
    signIn: SamlSignIn,
    settings: SamlSettings,
  ): Promise<SignedIn> {
    const found = await findPerson(this.store, tenantId, signIn.email, settings);
    const person =
      found.kind === 'jit' ? await provisionJustInTime(this.store, tenantId, signIn, found, settings) : found;
    return {
      tenantId,
      directoryId: person.directoryId,
      userId: person.user.id,
      email: signIn.email,
      name: displayNameOf(person.user.data),
      roles: await rolesOfPerson(this.store, tenantId, person),
      jit: found.kind === 'jit',
    };
  }

  private sp(context: SsoContext, tenant: TenantRecord): ServiceProvider {
    return serviceProviderFor(context.publicUrl, tenant.slug);
  }

  private async connection(
    slug: string,
  ): Promise<
    | { tenant: TenantRecord; record: SamlConnectionRecord; settings: SamlSettings }
    | { error: SamlError; tenant?: TenantRecord }
  > {
    const tenant = isStorableText(slug)
      ? await this.store.repositories.tenants.tenantBySlug(slug)
      : undefined;
    if (!tenant) return { error: new SamlError('SSO_NOT_CONFIGURED', `there is no tenant "${slug}"`) };
    const record = await this.store.repositories.saml.connection(tenant.id);
    if (!record)
      return {
        tenant,
        error: new SamlError('SSO_NOT_CONFIGURED', `tenant ${slug} has no SAML connection`),
      };
    return { tenant, record, settings: parseSamlSettings(record.config) };
  }

  private validate(
    samlResponse: unknown,
    tenant: TenantRecord,
    sp: ServiceProvider,
    settings: SamlSettings,
    onClaim: (request: SamlRequestRecord) => void,
  ): Promise<SamlSignIn> {
    const { saml } = this.store.repositories;
    return validateSamlResponse(samlResponse as string, {
      sp,
      connection: connectionOf(settings),
      claimRequestId: async (requestId) => {
        if (!isStorableText(requestId)) return false;
        const request = await saml.claimRequest(tenant.id, requestId, new Date().toISOString());
        if (request) onClaim(request);
        return request !== undefined;
      },
      claimAssertionId: (assertion) =>
        saml.claimAssertion(tenant.id, assertion.id, assertion.issuer, assertion.expiresAt),
    });
  }

  /**
   * Fetches the metadata again when a signature did not verify and the connection has a metadata
   * URL no fetch started from in the last few minutes. Returns settings to validate the response with
   * once more: those a fetch just brought with a certificate the connection did not have, or those
   * another request (on any node) stored since this one read the connection.
   */
  private async refreshOnDemand(
    error: unknown,
    record: SamlConnectionRecord,
    now: Date,
  ): Promise<SamlSettings | undefined> {
    if (!(error instanceof SamlError) || error.code !== 'SIGNATURE_INVALID' || !record.metadataUrl)
      return undefined;
    const { saml } = this.store.repositories;
    const current = await saml.connection(record.tenantId);
    if (!current || current.metadataUrl !== record.metadataUrl) return undefined;
    if (current.config !== record.config) return parseSamlSettings(current.config);
    if (!current.metadataNextRefreshAt) return undefined;
    // Every fetch moves the next scheduled refresh to METADATA_REFRESH_MS after it starts (this one, the
    // hourly job, an admin's change), so that tells when the last one started, even one still running.
    const next = Date.parse(current.metadataNextRefreshAt);
    const last = Math.max(
      next - METADATA_REFRESH_MS,
      Date.parse(current.metadataRefreshedAt ?? '') || 0,
      Date.parse(current.metadataErrorAt ?? '') || 0,
    );
    if (now.getTime() - last < ON_DEMAND_REFRESH_MS) return undefined;
    // Of many requests signed with the new certificate at once, on any node, the one whose conditional
    // update moves the next refresh on fetches; the others are refused as they would have been.
    const claimed = await saml.claimRefresh(
      current.tenantId,
      current.metadataNextRefreshAt,
      new Date(now.getTime() + METADATA_REFRESH_MS).toISOString(),
    );
    if (!claimed) return undefined;
    const outcome = await refreshMetadata(this.store, current, now.toISOString(), this.options.fetchOptions);
    if (!outcome.ok || outcome.added.length === 0) return undefined;
    const fresh = await saml.connection(record.tenantId);
    return fresh && parseSamlSettings(fresh.config);
  }

  /** What a real sign-in would do with this response, changing nothing (no JIT, no session). */
  private async dryRun(
    tenantId: string,
    signIn: SamlSignIn,
    settings: SamlSettings,
  ): Promise<SamlTestResult> {
    const sent = {
      issuer: signIn.issuer,
      nameId: signIn.nameId,
      nameIdFormat: signIn.nameIdFormat ?? null,
      email: signIn.email,
      emailSource: signIn.emailSource,
      name: {
        ...(signIn.givenName && { givenName: signIn.givenName }),
        ...(signIn.familyName && { familyName: signIn.familyName }),
        ...(signIn.displayName && { displayName: signIn.displayName }),
      },
      attributes: Object.fromEntries(
        Object.entries(signIn.attributes).map(([name, values]) => [name, [...values]]),
      ),
    };
    try {
      const person = await findPerson(this.store, tenantId, signIn.email, settings);
      const roles = await rolesOfPerson(this.store, tenantId, person);
      return {
        ...sent,
        user:
          person.kind === 'existing'
            ? {
                id: person.user.id,
                directoryId: person.directoryId,
                userName: person.user.userName,
                active: person.user.active,
                source: person.user.source,
              }
            : null,
        roles,
        signIn: person.kind,
        refusal: null,
      };
    } catch (error) {
      if (!(error instanceof SamlError)) throw error;
      const matched = (await this.store.repositories.tenantUsers.findByEmail(tenantId, signIn.email))[0];
      return {
        ...sent,
        user: matched
          ? {
              id: matched.user.id,
              directoryId: matched.directoryId,
              userName: matched.user.userName,
              active: matched.user.active && matched.deletedAt === null,
              source: matched.user.source,
            }
          : null,
        roles: [],
        signIn: 'refused',
        refusal: describe(error),
      };
    }
  }

  private async completeTest(
    tenant: TenantRecord,
    context: SsoContext,
    testId: string,
    outcome: { result?: SamlTestResult; error?: { code: string; reason: string } },
  ): Promise<SamlTestView | undefined> {
    const { saml } = this.store.repositories;
    await saml.completeTest(
      tenant.id,
      testId,
      outcome.error ? 'failed' : 'succeeded',
      serialiseTestOutcome(outcome),
      new Date().toISOString(),
    );
    const record = await saml.test(tenant.id, testId);
    return record && testView(record, context.publicUrl, tenant.slug);
  }

  private logRefusal(
    tenantId: string,
    reference: string,
    error: SamlError,
    detail: { signIn?: SamlSignIn; testId?: string | undefined },
  ): Promise<void> {
    return this.appendLog(tenantId, reference, 'refused', {
      ...(detail.signIn && { signIn: detail.signIn }),
      code: error.code,
      reason: detail.testId ? `Test Connection ${detail.testId}: ${error.reason}` : error.reason,
    });
  }

  private async appendLog(
    tenantId: string,
    id: string,
    outcome: SsoLogEntry['outcome'],
    detail: {
      signIn?: SamlSignIn;
      code?: string;
      reason?: string | null;
      directoryId?: string;
      userId?: string;
    },
  ): Promise<void> {
    await this.store.repositories.saml.appendLog({
      id,
      tenantId,
      at: new Date().toISOString(),
      outcome,
      code: detail.code ?? null,
      reason: detail.reason ?? null,
      email: detail.signIn?.email ?? null,
      nameId: detail.signIn?.nameId ?? null,
      directoryId: detail.directoryId ?? null,
      userId: detail.userId ?? null,
      idpInitiated: detail.signIn !== undefined && detail.signIn.inResponseTo === undefined,
    });
  }
}

function disabled(tenant: TenantRecord): SamlError {
  return new SamlError(
    'SSO_DISABLED',
    `the SAML connection of tenant ${tenant.slug} is switched off; switch it on after a successful Test Connection`,
  );
}

function describe(error: SamlError): { code: string; reason: string } {
  return { code: error.code, reason: error.reason };
}
