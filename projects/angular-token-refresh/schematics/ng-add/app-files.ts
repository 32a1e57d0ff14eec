/** What `ng add` writes into the app: a sign-in page and, for another server, a backend to fill in. */

/** The sign-in page of the `/login` route: user name and password, then back to where the guard came from. */
export function loginPage(oauth2: boolean): string {
  const form = oauth2
    ? `
    <p>
      Sign in with your identity provider, exchange its code for tokens, then call
      <code>AuthService.startSession(tokens)</code>.
    </p>`
    : `
    <form (submit)="signIn($event, userName.value, password.value)">
      <label>User name <input #userName name="userName" autocomplete="username" required /></label>
      <label>Password <input #password name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit" [disabled]="busy()">Sign in</button>
      @if (error()) {
        <p role="alert">{{ error() }}</p>
      }
    </form>`;
  const signIn = oauth2
    ? ''
    : `
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected signIn(event: Event, userName: string, password: string): void {
    event.preventDefault();
    this.busy.set(true);
    this.error.set(null);
    this.auth.signIn(userName, password).subscribe({
      next: () => void this.router.navigateByUrl(this.route.snapshot.queryParamMap.get('returnUrl') ?? '/'),
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(error instanceof HttpErrorResponse && error.status === 401 ? 'Wrong user name or password.' : 'Sign-in failed; try again.');
      },
    });
  }`;
  const imports = oauth2
    ? `import { ChangeDetectionStrategy, Component } from '@angular/core';
`
    : `import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { ActivatedRoute, Router } from '@angular/router';
import { AuthService } from 'angular-token-refresh';
`;
  const injected = oauth2
    ? ''
    : `
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
`;
  return `${imports}
/** The /login route, added by \`ng add angular-token-refresh\`: the guard sends signed-out users here. */
@Component({
  selector: 'app-login-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: \`
    <h1>Sign in</h1>${form}
  \`,
})
export class LoginPage {${injected}${signIn}
}
`;
}

/** A backend for a token server with its own contract: working calls to placeholder URLs, to adapt. */
export const CUSTOM_BACKEND = `import { HttpClient } from '@angular/common/http';
import { inject } from '@angular/core';
import { AuthBackend, TokenSet, bypassAuth } from 'angular-token-refresh';
import { map } from 'rxjs';

/**
 * How the app talks to its token server, added by \`ng add angular-token-refresh\`. Adapt the URLs and field names to
 * your server. Its calls skip the auth interceptor (\`bypassAuth()\`); a 400 or 401 to a refresh ends the session,
 * anything else (network, 5xx) keeps it for the next try.
 */
export function customAuthBackend(): AuthBackend {
  const http = inject(HttpClient);
  const post = (url: string, body: object) => http.post<ServerTokens>(url, body, { context: bypassAuth() });
  return {
    signIn: (userName, password) => post('/api/auth/sign-in', { userName, password }).pipe(map(toTokenSet)),
    refresh: (refreshToken) => post('/api/auth/refresh', { refreshToken }).pipe(map(toTokenSet)),
    signOut: (refreshToken) => post('/api/auth/sign-out', { refreshToken }),
  };
}

/** What the server answers to a sign-in or a refresh. */
interface ServerTokens {
  readonly access_token: string;
  readonly refresh_token?: string;
  readonly expires_in?: number;
}

function toTokenSet(tokens: ServerTokens): TokenSet {
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiresIn: tokens.expires_in };
}
`;
