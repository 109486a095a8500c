import type { InteractionResults } from 'oidc-provider';
import type { Store } from '../store/store.js';
import { recordSignIn } from './accounts.js';
import type { SsoPort, SsoSignIn } from './sso-port.js';
import { tenantOfRequest } from './tenant-request.js';

/** Round trips through the tenant's SAML login one interaction may make before rollcall gives up. */
export const MAX_SSO_ROUND_TRIPS = 3;

/** What the interaction page does next. */
export type InteractionStep =
  /** Tell the provider the interaction's outcome, then continue at its resume URL. */
  | { readonly kind: 'finish'; readonly result: InteractionResults }
  /** Send the browser through the tenant's SAML login, back to this interaction. */
  | { readonly kind: 'sso'; readonly location: string; readonly roundTrips: number }
  /** Show the person a page: the request cannot go on. */
  | { readonly kind: 'page'; readonly status: number; readonly title: string; readonly message: string };

/** The parts of oidc-provider's interaction record this step reads. */
export interface InteractionState {
  readonly uid: string;
  readonly prompt: { readonly name: string };
  readonly params: Record<string, unknown>;
  /** SAML round trips this interaction made so far (kept in the interaction's `result`). */
  readonly roundTrips: number;
}

/**
 * The login step of an OpenID Connect sign-in. The request names its tenant; when the browser holds
 * an SSO session of that tenant, the sign-in finishes as that session's user (accountId = the SCIM
 * user id); otherwise the browser goes through the tenant's SAML login and comes back here.
 */
export async function loginStep(
  store: Store,
  sso: SsoPort,
  interaction: InteractionState,
  cookieHeader: string | undefined,
  interactionPath: string,
): Promise<InteractionStep> {
  const choice = await tenantOfRequest(store, interaction.params);
  if (choice.kind === 'unknown')
    return {
      kind: 'page',
      status: 400,
      title: 'Unknown organisation',
      message:
        choice.by === 'tenant'
          ? `No organisation "${choice.named}" signs in here. Check the sign-in link, or ask your administrator which organisation name to use.`
          : `No organisation signs in here with email addresses at ${choice.named}. Ask your administrator how to sign in.`,
    };
  const signIn = await sso.signInOf(cookieHeader);
  if (choice.kind === 'none') {
    // Nothing named: a sign-in already made through some tenant's SSO (say, from the IdP's app
    // portal) stands; without one there is no telling which organisation's sign-in to use.
    if (signIn) return finish(store, signIn);
    return {
      kind: 'page',
      status: 400,
      title: 'Which organisation?',
      message:
        'The app did not say which organisation you sign in with. Start again from the app and choose your organisation, or ask your administrator.',
    };
  }
  if (signIn && signIn.tenantId === choice.tenant.id) return finish(store, signIn);
  if (interaction.roundTrips >= MAX_SSO_ROUND_TRIPS)
    return {
      kind: 'page',
      status: 400,
      title: 'Sign-in did not complete',
      message:
        "Your organisation's sign-in succeeded, but this browser did not keep rollcall's sign-in cookie. Allow cookies for this site and start again from the app.",
    };
  const login = `/sso/${encodeURIComponent(choice.tenant.slug)}/saml/login?RelayState=${encodeURIComponent(interactionPath)}`;
  return { kind: 'sso', location: login, roundTrips: interaction.roundTrips + 1 };
}

async function finish(store: Store, signIn: SsoSignIn): Promise<InteractionStep> {
  await recordSignIn(store, signIn);
  return { kind: 'finish', result: { login: { accountId: signIn.userId } } };
}
