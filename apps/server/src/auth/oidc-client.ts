/**
 * The relying party, over `openid-client` v6: discovery (cached, retried after a failure), the
 * authorization URL with PKCE (S256), state and nonce, the code exchange with every check the library
 * makes (issuer, audience, signature, nonce, state, expiry), and RP-initiated logout.
 */
import type { VerifiedIdentity } from '@clos/core';
import * as oidc from 'openid-client';
import { type OidcSettings, publicHref } from './oidc-settings.ts';

export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcClient {
  readonly settings: OidcSettings;
  /** Where to send the browser, and what the callback must check. */
  begin(scopes: string[]): Promise<{ url: URL; pending: PendingLogin }>;
  /** Exchanges the code of the callback URL and returns the verified identity. */
  finish(callbackUrl: URL, pending: PendingLogin, claim: string): Promise<VerifiedIdentity>;
  /** The provider's end-session URL for RP-initiated logout, or null when it has none. */
  endSessionUrl(): Promise<URL | null>;
}

export function createOidcClient(settings: OidcSettings): OidcClient {
  let configuration: Promise<oidc.Configuration> | null = null;
  const redirectUri = publicHref(settings, '/auth/callback');

  function config(): Promise<oidc.Configuration> {
    configuration ??= oidc
      .discovery(
        settings.issuer,
        settings.clientId,
        undefined,
        oidc.ClientSecretBasic(settings.clientSecret),
        // Plain http is accepted only for a loopback issuer (oidc-settings.ts refuses any other).
        settings.insecureIssuer ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((e: unknown) => {
        // A provider down at the first sign-in must not stay "down" for the life of the process.
        configuration = null;
        throw e;
      });
    return configuration;
  }

  return {
    settings,
    async begin(scopes) {
      const cfg = await config();
      const pending: PendingLogin = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
      };
      const url = oidc.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: scopes.join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url, pending };
    },

    async finish(callbackUrl, pending, claim) {
      const cfg = await config();
      const tokens = await oidc.authorizationCodeGrant(cfg, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new Error('the provider returned no ID token');
      let claims: Record<string, unknown> = { ...idToken };
      // Some providers release groups, email or name only from the userinfo endpoint.
      const missing = !(claim in claims) || claims.email === undefined;
      if (missing && cfg.serverMetadata().userinfo_endpoint && tokens.access_token) {
        const info = await oidc.fetchUserInfo(cfg, tokens.access_token, idToken.sub);
        claims = { ...info, ...claims, ...(claim in claims ? {} : { [claim]: info[claim] }) };
      }
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      const amr = Array.isArray(idToken.amr)
        ? idToken.amr.filter((m): m is string => typeof m === 'string')
        : [];
      return {
        issuer: idToken.iss,
        subject: idToken.sub,
        email: str(claims.email),
        emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : null,
        name: str(claims.name) ?? str(claims.preferred_username),
        claims,
        amr,
        acr: str(idToken.acr),
      };
    },

    async endSessionUrl() {
      const cfg = await config();
      if (!cfg.serverMetadata().end_session_endpoint) return null;
      return oidc.buildEndSessionUrl(cfg, {
        client_id: settings.clientId,
        post_logout_redirect_uri: publicHref(settings, '/'),
      });
    },
  };
}
