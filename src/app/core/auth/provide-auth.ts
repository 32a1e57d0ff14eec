import { EnvironmentProviders, inject, makeEnvironmentProviders, provideAppInitializer } from '@angular/core';

import { AuthConfig, provideAuthConfig } from './auth-config';
import { RefreshScheduler } from './refresh-scheduler';

/** Configures the auth layer and starts proactive refresh and tab sync at bootstrap. Add the interceptor to `provideHttpClient` too. */
export function provideAuth(overrides: Partial<AuthConfig> = {}): EnvironmentProviders {
  return makeEnvironmentProviders([provideAuthConfig(overrides), provideAppInitializer(() => inject(RefreshScheduler).start())]);
}
