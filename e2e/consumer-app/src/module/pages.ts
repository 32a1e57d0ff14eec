import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { ActivatedRoute, Router } from '@angular/router';
import { AuthService } from 'angular-token-refresh';

// Pages as a zone.js app writes them: plain fields and the Default (eager) strategy, which Angular 22 no longer
// assumes, so a view updates only when zone.js sees the callback that changed it: that is what these pages prove.

/** Password sign-in (bundled backend), then back to `returnUrl`. */
@Component({
  selector: 'app-login',
  standalone: false,
  template: `
    <h1>Sign in</h1>
    <form (ngSubmit)="signIn()">
      <label>User name <input name="userName" [(ngModel)]="userName" /></label>
      <label>Password <input name="password" type="password" [(ngModel)]="password" /></label>
      <button type="submit">Sign in</button>
    </form>
    <p data-testid="error">{{ error }}</p>
  `,
  changeDetection: ChangeDetectionStrategy.Default,
})
export class LoginPage {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  protected userName = '';
  protected password = '';
  protected error = '';

  protected signIn(): void {
    this.auth.signIn(this.userName, this.password).subscribe({
      next: () => void this.router.navigateByUrl(this.route.snapshot.queryParamMap.get('returnUrl') ?? '/'),
      error: (error: unknown) => (this.error = error instanceof HttpErrorResponse ? `failed: ${error.status}` : String(error)),
    });
  }
}

/** Sends N requests to the protected API, staggered, and lists what each got. */
@Component({
  selector: 'app-home',
  standalone: false,
  template: `
    <h1>Signed in as {{ auth.userName() ?? 'someone' }}</h1>
    <label>Requests <input name="count" type="number" [(ngModel)]="count" /></label>
    <label>Stagger (ms) <input name="stagger" type="number" [(ngModel)]="stagger" /></label>
    <button type="button" (click)="send()">Send</button>
    <button type="button" (click)="auth.signOut()">Sign out</button>
    <p data-testid="served">{{ served }} served</p>
    <ol>
      @for (result of results; track $index) {
        <li data-testid="result">{{ result }}</li>
      }
    </ol>
  `,
  changeDetection: ChangeDetectionStrategy.Default,
})
export class HomePage {
  protected readonly auth = inject(AuthService);
  private readonly http = inject(HttpClient);
  protected count = 3;
  protected stagger = 0;
  protected results: string[] = [];
  protected served = 0;
  private sent = 0;

  protected send(): void {
    for (let i = 0; i < this.count; i++) {
      const n = this.sent++;
      setTimeout(() => {
        this.http.get(`/api/resources?n=${n}`).subscribe({
          next: () => {
            this.served++;
            this.results = [...this.results, '200'];
          },
          error: (error: HttpErrorResponse) => (this.results = [...this.results, String(error.status)]),
        });
      }, i * this.stagger);
    }
  }
}
