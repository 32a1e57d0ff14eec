import { provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  ApplicationConfig,
  inject,
  provideAppInitializer,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
} from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { authInterceptor, provideAuth } from 'angular-token-refresh';

import { routes } from './app.routes';
import { AuthEventHistory } from './pages/home/auth-event-history';
import { timelineInterceptor } from './timeline/timeline-interceptor';

/** Application providers: zoneless, router, the auth layer, the demo's event log, and HttpClient with the auth interceptor first. */
export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideRouter(routes, withComponentInputBinding()),
    provideAuth(),
    // The demo's event log starts with the app, so it also holds what happened while a tab was on the login page.
    provideAppInitializer(() => void inject(AuthEventHistory)),
    provideHttpClient(withInterceptors([authInterceptor, timelineInterceptor])),
  ],
};
