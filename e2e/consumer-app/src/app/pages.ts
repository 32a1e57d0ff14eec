import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ActivatedRoute, Router } from '@angular/router';
import { AuthService } from 'angular-token-refresh';

/** Password sign-in (bundled backend), then back to `returnUrl`. */
@Component({
  selector: 'app-login',
  imports: [FormsModule],
  template: `
    <h1>Sign in</h1>
    <form (ngSubmit)="signIn()">
      <label>User name <input name="userName" [(ngModel)]="userName" /></label>
      <label>Password <input name="password" type="password" [(ngModel)]="password" /></label>
      <button type="submit">Sign in</button>
    </form>
    <button type="button" (click)="signInWithRedirect()">Sign in with the identity provider</button>
    <p data-testid="error">{{ error() }}</p>
    @if (auth.signInError(); as refused) {
      <p role="alert">{{ refused.message }}</p>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginPage {
  protected readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  protected userName = '';
  protected password = '';
  protected readonly error = signal('');

  protected signInWithRedirect(): void {
    void this.auth.signInWithRedirect({ returnUrl: this.route.snapshot.queryParamMap.get('returnUrl') ?? '/' });
  }

  protected signIn(): void {
    this.auth.signIn(this.userName, this.password).subscribe({
      next: () => void this.router.navigateByUrl(this.route.snapshot.queryParamMap.get('returnUrl') ?? '/'),
      error: (error: unknown) => this.error.set(error instanceof HttpErrorResponse ? `failed: ${error.status}` : String(error)),
    });
  }
}

/** Where an OAuth code flow would land: opens the session from the tokens in the fragment, then goes home. */
@Component({
  selector: 'app-callback',
  template: '<p>Signing in…</p>',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CallbackPage implements OnInit {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);

  async ngOnInit(): Promise<void> {
    const tokens = new URLSearchParams(location.hash.slice(1));
    await this.auth.startSession({
      accessToken: tokens.get('access_token') ?? '',
      refreshToken: tokens.get('refresh_token') ?? '',
      expiresIn: Number(tokens.get('expires_in')),
      userName: tokens.get('user') ?? undefined,
    });
    await this.router.navigateByUrl('/');
  }
}

/** Sends N requests to the protected API, staggered, and lists what each got. */
@Component({
  selector: 'app-home',
  imports: [FormsModule],
  template: `
    <h1>Signed in as {{ auth.userName() ?? 'someone' }}</h1>
    <label>Requests <input name="count" type="number" [(ngModel)]="count" /></label>
    <label>Stagger (ms) <input name="stagger" type="number" [(ngModel)]="stagger" /></label>
    <button type="button" (click)="send()">Send</button>
    <button type="button" (click)="auth.signOut()">Sign out</button>
    <button type="button" (click)="whoAmI()">Who am I</button>
    <p data-testid="served">{{ served() }} served</p>
    <p data-testid="whoami">{{ whoami() }}</p>
    <ol>
      @for (result of results(); track $index) {
        <li data-testid="result">{{ result }}</li>
      }
    </ol>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HomePage {
  protected readonly auth = inject(AuthService);
  private readonly http = inject(HttpClient);
  protected count = 3;
  protected stagger = 0;
  protected readonly results = signal<string[]>([]);
  protected readonly served = signal(0);
  /** What the API on another origin (the test's, where it names one) says about the access token. */
  protected readonly whoami = signal('');
  private sent = 0;

  protected whoAmI(): void {
    const api = localStorage.getItem('consumer-app.api-origin');
    this.http.get<{ sub: string }>(`${api}/whoami`).subscribe({
      next: ({ sub }) => this.whoami.set(`the API says: ${sub}`),
      error: (error: HttpErrorResponse) => this.whoami.set(`the API says: ${error.status}`),
    });
  }

  protected send(): void {
    for (let i = 0; i < this.count; i++) {
      const n = this.sent++;
      setTimeout(() => {
        this.http.get(`/api/resources?n=${n}`).subscribe({
          next: () => {
            this.served.update((served) => served + 1);
            this.results.update((results) => [...results, '200']);
          },
          error: (error: HttpErrorResponse) => this.results.update((results) => [...results, String(error.status)]),
        });
      }, i * this.stagger);
    }
  }
}
