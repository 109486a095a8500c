import type { IncomingMessage, ServerResponse } from 'node:http';
import type { default as Provider } from 'oidc-provider';
import type { MaintenanceJob } from '../directory/maintenance.js';
import type { Store } from '../store/store.js';
import { ACCOUNT_RETENTION_MS } from './accounts.js';
import { type InteractionStep, loginStep } from './interaction.js';
import { createProvider } from './provider-config.js';
import { deriveKey, SecretBox } from './secret-box.js';
import { DEFAULT_ROTATION, type RotationPolicy, type SigningKeySet, SigningKeys } from './signing-keys.js';
import type { SsoPort } from './sso-port.js';

/** How often a node reloads the signing keys (and rotates them when due) while it serves OpenID Connect. */
export const KEY_RELOAD_MS = 60_000;
/** Issuers one node serves at once when no public URL pins it (each request's Host names one). */
const MAX_ISSUERS = 4;

export interface OidcHostOptions {
  readonly store: Store;
  readonly secretKey: Buffer;
  readonly sso: SsoPort;
  readonly rotation?: RotationPolicy;
  readonly clock?: () => number;
  readonly log: {
    info(details: object, message: string): void;
    error(details: object, message: string): void;
  };
}

interface Built {
  readonly provider: Provider;
  readonly callback: (req: IncomingMessage, res: ServerResponse) => void;
  readonly fingerprint: string;
}

/**
 * The OpenID Provider of one node: built on first use for its issuer (`{publicUrl}/oidc`), rebuilt
 * when the signing keys change. Every piece of state lives in the store, so nodes are interchangeable.
 */
export class OidcHost {
  readonly keys: SigningKeys;
  private readonly payloadBox: SecretBox;
  private readonly cookieKeys: readonly string[];
  private readonly clock: () => number;
  private readonly built = new Map<string, Promise<Built>>();
  private keySet: Promise<SigningKeySet> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OidcHostOptions) {
    this.clock = options.clock ?? Date.now;
    this.keys = new SigningKeys(
      options.store,
      options.secretKey,
      options.rotation ?? DEFAULT_ROTATION,
      this.clock,
    );
    this.payloadBox = new SecretBox(options.secretKey, 'oidc provider records');
    // Derived, not stored: every node with the secret key signs and checks the same cookies.
    this.cookieKeys = [deriveKey(options.secretKey, 'oidc provider cookies').toString('base64url')];
  }

  /** Fails when the secret key does not open the stored signing keys (called at start). */
  verifySecretKey(): Promise<void> {
    return this.keys.verifySecretKey();
  }

  /** The provider for `issuer`, with the current keys. */
  async provider(issuer: string): Promise<Provider> {
    return (await this.build(issuer)).provider;
  }

  /** The provider's request handler for `issuer`. */
  async handler(issuer: string): Promise<Built['callback']> {
    return (await this.build(issuer)).callback;
  }

  private async build(issuer: string): Promise<Built> {
    // A failed first load (the database away for a moment) is not kept: the next request tries again.
    this.keySet ??= this.keys.current().catch((error) => {
      this.keySet = undefined;
      throw error;
    });
    this.startReloading();
    let built = this.built.get(issuer);
    if (!built) {
      if (this.built.size >= MAX_ISSUERS) this.built.delete(this.built.keys().next().value!);
      built = this.keySet.then((keys) => this.make(issuer, keys));
      this.built.set(issuer, built);
      built.catch(() => this.built.delete(issuer));
    }
    return built;
  }

  private async make(issuer: string, keys: SigningKeySet): Promise<Built> {
    const provider = await createProvider({
      issuer,
      store: this.options.store,
      sso: this.options.sso,
      keys: keys.keys,
      payloadBox: this.payloadBox,
      cookieKeys: this.cookieKeys,
      clock: this.clock,
      log: this.options.log,
    });
    return { provider, callback: provider.callback(), fingerprint: keys.fingerprint };
  }

  /**
   * Reloads the signing keys, rotating them when due, and rebuilds the providers when the set or the
   * signing key changed. Runs every minute once the node serves OpenID Connect.
   */
  async reloadKeys(): Promise<void> {
    const keys = await this.keys.current();
    this.keySet = Promise.resolve(keys);
    for (const [issuer, built] of this.built) {
      const current = await built.catch(() => undefined);
      if (current?.fingerprint === keys.fingerprint) continue;
      this.built.set(issuer, this.make(issuer, keys));
      this.options.log.info({ signingKid: keys.signingKid }, 'OpenID Provider signing keys changed');
    }
  }

  private startReloading(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.reloadKeys().catch((error) =>
        this.options.log.error({ err: error }, 'reloading the OpenID Provider signing keys failed'),
      );
    }, KEY_RELOAD_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * The next step of the interaction the browser's cookie names, for `issuer`: the login through the
   * tenant's SSO, or (when the app asked for `prompt=consent`) granting what the app asked for.
   */
  async interaction(issuer: string, req: IncomingMessage, res: ServerResponse): Promise<InteractionStep> {
    const provider = await this.provider(issuer);
    const details = await provider.interactionDetails(req, res);
    const params = details.params as Record<string, unknown>;
    if (details.prompt.name === 'login') {
      const roundTrips = Number(
        (details.result as { ssoRoundTrips?: number } | undefined)?.ssoRoundTrips ?? 0,
      );
      const mountPath = new URL(issuer).pathname.replace(/\/$/, '');
      const step = await loginStep(
        this.options.store,
        this.options.sso,
        { uid: details.uid, prompt: details.prompt, params, roundTrips },
        req.headers.cookie,
        `${mountPath}/interaction/${details.uid}`,
      );
      if (step.kind === 'sso') {
        details.result = { ...details.result, ssoRoundTrips: step.roundTrips };
        await details.persist();
      }
      return step;
    }
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'consent' || !accountId)
      return {
        kind: 'page',
        status: 400,
        title: 'Sign-in failed',
        message: 'This sign-in step is not supported.',
      };
    const clientId = String(params.client_id);
    const grant =
      (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(typeof params.scope === 'string' ? params.scope : 'openid');
    return { kind: 'finish', result: { consent: { grantId: await grant.save() } } };
  }

  /** Finishes the interaction with `result`; returns where the browser goes on. */
  async finish(
    issuer: string,
    req: IncomingMessage,
    res: ServerResponse,
    result: Extract<InteractionStep, { kind: 'finish' }>['result'],
  ): Promise<string> {
    const provider = await this.provider(issuer);
    return provider.interactionResult(req, res, result, { mergeWithLastSubmission: false });
  }

  /** Deletes the provider's expired records and forgotten accounts (hourly, with the other maintenance). */
  purgeJob(): MaintenanceJob {
    const store = this.options.store;
    return {
      name: 'purge-oidc-records',
      async run(at, log) {
        const records = await store.repositories.oidcPayloads.purgeExpired(at.toISOString());
        const accounts = await store.repositories.oidcAccounts.purgeSignedInBefore(
          new Date(at.getTime() - ACCOUNT_RETENTION_MS).toISOString(),
        );
        if (records + accounts > 0)
          log.info(
            { job: 'purge-oidc-records', records, accounts },
            'purged expired OpenID Provider records',
          );
      },
    };
  }
}
