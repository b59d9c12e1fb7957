/**
 * The credential provider of Pushline's Lambda bundles. serverless/esbuild-plugins.cjs puts this
 * module in place of `@aws-sdk/credential-provider-node` (the SDK's default chain) when it builds a
 * function, so every SDK client in a bundle that is not given `credentials` uses it.
 *
 * Why: Lambda hands a function its role's credentials in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the default chain always ends at its first link;
 * but the chain brings SSO, INI files, credential processes, web identity, instance metadata and
 * three nested SDK clients into the bundle, and on Node 22 that code alone is ~45 % of a bundle's
 * load time (docs/aws.md, "Bundle size and load time"). This keeps the two sources a function can
 * meet — the environment, then a container credentials endpoint
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI) — and says plainly when neither is there.
 * Outside the bundles (tests, the CLI, local mode) the SDK's own chain is used as always.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { CredentialsProviderError, chain } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@smithy/types';

export interface CredentialsInit {
  logger?: Logger;
  /** Milliseconds for the container endpoint to answer (fromHttp's default: 1000). */
  timeout?: number;
}

export const NO_CREDENTIALS =
  'no AWS credentials: a Pushline Lambda bundle reads them from AWS_ACCESS_KEY_ID and ' +
  'AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), as Lambda sets them, or from a container ' +
  'credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI); neither is set';

const CONTAINER_URIS = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

/** Same signature as the SDK's `defaultProvider`: called once per client with its config. */
export function defaultProvider(init: CredentialsInit = {}): AwsCredentialIdentityProvider {
  const fromContainer: AwsCredentialIdentityProvider = async (properties) => {
    if (!CONTAINER_URIS.some((name) => process.env[name])) {
      throw new CredentialsProviderError(NO_CREDENTIALS, { logger: init.logger, tryNextLink: false });
    }
    return fromHttp(init)(properties);
  };
  const provider = chain<AwsCredentialIdentity>(fromEnv(init), fromContainer);
  // The SDK does not memoize what a default provider returns (the default chain memoizes itself):
  // credentials from the endpoint are kept until five minutes before they expire.
  return memoizeIdentityProvider(
    provider,
    isIdentityExpired,
    doesIdentityRequireRefresh,
  ) as AwsCredentialIdentityProvider;
}
