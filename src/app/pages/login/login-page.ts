import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router } from '@angular/router';
import { AuthService } from 'angular-token-refresh';

import { SIGN_IN_BY_REDIRECT } from '../../auth-mode';

/** Sign-in form, prefilled with the demo credentials; returns to `returnUrl` on success. */
@Component({
  selector: 'app-login-page',
  imports: [ReactiveFormsModule],
  templateUrl: './login-page.html',
  styleUrl: './login-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginPage {
  protected readonly auth = inject(AuthService);
  private readonly router = inject(Router);

  /** Where to go after signing in; bound from the query string. */
  readonly returnUrl = input<string>();

  protected readonly form = inject(NonNullableFormBuilder).group({
    userName: ['demo', Validators.required],
    password: ['demo-password', Validators.required],
  });
  /** Whether this build signs in at an authorization server instead of with the form. */
  protected readonly byRedirect = SIGN_IN_BY_REDIRECT;
  protected readonly pending = signal(false);
  protected readonly error = signal<string | null>(null);

  constructor() {
    // A session that appears, from this form or from a sign-in in another tab, leads on to returnUrl.
    effect(() => {
      if (this.auth.userName()) {
        void this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
      }
    });
  }

  protected signInWithRedirect(): void {
    void this.auth.signInWithRedirect({ returnUrl: safeReturnUrl(this.returnUrl()) });
  }

  protected signIn(): void {
    if (this.form.invalid || this.pending()) {
      return;
    }
    const { userName, password } = this.form.getRawValue();
    this.pending.set(true);
    this.error.set(null);
    this.auth.signIn(userName, password).subscribe({
      error: (error: unknown) => {
        this.pending.set(false);
        this.error.set(describeSignInError(error));
      },
    });
  }
}

// Only app-relative paths: an absolute or protocol-relative returnUrl would be an open redirect.
function safeReturnUrl(returnUrl: string | undefined): string {
  return returnUrl && returnUrl.startsWith('/') && !returnUrl.startsWith('//') ? returnUrl : '/';
}

function describeSignInError(error: unknown): string {
  if (!(error instanceof HttpErrorResponse)) {
    return 'Something went wrong. Please try again.';
  }
  switch (error.status) {
    case 401:
      return 'Wrong user name or password.';
    case 429: {
      const seconds = Number(error.headers.get('Retry-After'));
      return seconds > 0 ? `Too many attempts. Try again in ${seconds} seconds.` : 'Too many attempts. Try again later.';
    }
    case 200:
      return 'The server sent an answer this app cannot use. Please try again.';
    case 400:
    case 413:
      return 'Please check the user name and password.';
    default:
      return 'The server is unreachable. Check that it is running and try again.';
  }
}
