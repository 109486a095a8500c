import { isStorableText } from '../directory/storable-text.js';
import type { Store } from '../store/store.js';
import type { InteractionStep } from './interaction.js';
import type { SsoSignIn } from './sso-port.js';

/**
 * An IdP-initiated sign-in handed to the app (OpenID Connect Core §4, third-party initiated login):
 * the tenant's IdP posted a sign-in to rollcall with RelayState `/oidc/launch/{clientId}`; the browser
 * goes on to the app's login URI with `iss` (and the tenant), and the app starts an ordinary
 * authorization request, which the SSO session just made completes without another IdP round trip.
 */
export async function launchStep(
  store: Store,
  clientId: string,
  issuer: string,
  signIn: SsoSignIn | null,
): Promise<Exclude<InteractionStep, { kind: 'finish' }>> {
  const found = isStorableText(clientId) ? await store.repositories.oidcClients.byId(clientId) : undefined;
  if (!found)
    return {
      kind: 'page',
      status: 404,
      title: 'Unknown app',
      message:
        'This sign-in link names an app that is not registered. Ask your administrator for the right link.',
    };
  const { client } = found;
  if (!client.loginUri)
    return {
      kind: 'page',
      status: 400,
      title: 'Start from the app',
      message: `${client.name} cannot be opened from your organisation's app portal. Open ${client.name} and sign in there.`,
    };
  const location = new URL(client.loginUri);
  location.searchParams.set('iss', issuer);
  if (signIn) location.searchParams.set('tenant', signIn.tenantSlug);
  return { kind: 'sso', location: location.href, roundTrips: 0 };
}
