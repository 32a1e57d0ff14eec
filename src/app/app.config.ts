import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import {
  ApplicationConfig,
  inject,
  provideAppInitializer,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
} from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { provideAuth } from 'angular-token-refresh';

import { routes } from './app.routes';
import { AUTH_FEATURES } from './auth-mode';
import { chosenInterceptor } from './compare/interceptor-choice';
import { AuthEventHistory } from './pages/home/auth-event-history';
import { timelineInterceptor } from './timeline/timeline-interceptor';

/** Application providers: zoneless, router, the auth layer (in the build's mode), the demo's event log, and HttpClient with the auth interceptor first (the library's, or in compare mode the textbook one). */
export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideRouter(routes, withComponentInputBinding()),
    provideAuth({}, ...AUTH_FEATURES),
    // The demo's event log starts with the app, so it also holds what happened while a tab was on the login page.
    provideAppInitializer(() => void inject(AuthEventHistory)),
    // fetch, so a refresh that a reload interrupts still completes (keepalive) and the browser keeps the rotated cookie.
    provideHttpClient(withFetch(), withInterceptors([chosenInterceptor, timelineInterceptor])),
  ],
};
