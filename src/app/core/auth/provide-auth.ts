import { EnvironmentProviders, inject, makeEnvironmentProviders, provideAppInitializer } from '@angular/core';

import { AuthConfig, provideAuthConfig } from './auth-config';
import { RefreshScheduler } from './refresh-scheduler';
import { TokenStore } from './token-store';

/**
 * Configures the auth layer. At bootstrap it reads the stored session (so the first navigation's guard knows it),
 * then starts proactive refresh and tab sync. Add the interceptor to `provideHttpClient` too.
 */
export function provideAuth(overrides: Partial<AuthConfig> = {}): EnvironmentProviders {
  return makeEnvironmentProviders([
    provideAuthConfig(overrides),
    provideAppInitializer(async () => {
      const scheduler = inject(RefreshScheduler);
      await inject(TokenStore).reload();
      scheduler.start();
    }),
  ]);
}
