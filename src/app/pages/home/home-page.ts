import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { AuthService, DPOP, REFRESH_TOKEN_COOKIE, TokenPair, TokenStore } from 'angular-token-refresh';

import { SIGN_IN_BY_REDIRECT } from '../../auth-mode';
import { InterceptorChoice } from '../../compare/interceptor-choice';
import { HttpTimeline, REQUEST_LABEL } from '../../timeline/http-timeline';
import { RequestTimeline } from '../../timeline/request-timeline';
import { AuthEventHistory } from './auth-event-history';
import { AuthEventLog } from './auth-event-log';
import { staggeredDelays } from './staggered-delays';

/** How long the server waits before answering each request of a batch. */
export type Latency = 'none' | 'staggered';

/** The outcome of one request of the latest batch. */
export interface BatchResponse {
  readonly n: number;
  readonly status: number | null;
  readonly text: string;
}

const RESOURCE_URL = '/api/resources';
const MAX_REQUESTS = 100;

/** The demo: load the protected resource, break the token, fire N requests and watch one refresh serve them all. */
@Component({
  selector: 'app-home-page',
  imports: [RequestTimeline, AuthEventLog],
  templateUrl: './home-page.html',
  styleUrl: './home-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HomePage {
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthService);
  private readonly store = inject(TokenStore);
  private readonly destroyRef = inject(DestroyRef);
  protected readonly timeline = inject(HttpTimeline);
  protected readonly interceptor = inject(InterceptorChoice);

  protected readonly maxRequests = MAX_REQUESTS;
  /** Where this build keeps the refresh token: in an HttpOnly cookie (cookie mode), or in IndexedDB with the pair. */
  protected readonly cookieMode = inject(REFRESH_TOKEN_COOKIE);
  /** Whether the tokens are bound to this browser's key (the `dpop` build, `withDPoP()`). */
  protected readonly dpop = inject(DPOP) !== null;
  /** Whether the textbook interceptor can run here: it refreshes at the bundled server, with a Bearer refresh token in script. */
  protected readonly canCompare = !this.cookieMode && !SIGN_IN_BY_REDIRECT && !this.dpop;
  protected readonly userName = this.auth.userName;
  protected readonly resource = signal<string>('Loading…');
  protected readonly count = signal(3);
  protected readonly latency = signal<Latency>('none');
  protected readonly responses = signal<readonly BatchResponse[]>([]);
  /** True while the broken token is being stored; sending waits for it. */
  protected readonly breaking = signal(false);
  protected readonly events = inject(AuthEventHistory).events;
  protected readonly countValid = computed(() => Number.isInteger(this.count()) && this.count() >= 1 && this.count() <= MAX_REQUESTS);

  constructor() {
    this.timeline.reset();
    this.get(RESOURCE_URL, 'prefetch').subscribe({
      next: (body) => this.resource.set(body),
      error: (error: unknown) => this.resource.set(describeError(error)),
    });
  }

  protected setCount(value: string): void {
    this.count.set(Number(value));
  }

  protected setLatency(value: string): void {
    this.latency.set(value === 'staggered' ? 'staggered' : 'none');
  }

  protected sendRequests(): void {
    if (!this.countValid()) {
      return;
    }
    const n = this.count();
    this.timeline.reset();
    this.responses.set(Array.from({ length: n }, (_, i) => ({ n: i + 1, status: null, text: 'pending…' })));
    const delays = this.latency() === 'staggered' ? staggeredDelays(n) : [];
    for (let i = 1; i <= n; i++) {
      const delay = delays[i - 1] ?? 0;
      const url = delay ? `${RESOURCE_URL}?delay=${delay}` : RESOURCE_URL;
      this.get(url, `#${i}`).subscribe({
        next: (body) => this.record({ n: i, status: 200, text: body }),
        error: (error: unknown) =>
          this.record({ n: i, status: error instanceof HttpErrorResponse ? error.status : 0, text: describeError(error) }),
      });
    }
  }

  protected setInterceptor(value: string): void {
    this.interceptor.set(value === 'textbook' ? 'textbook' : 'library');
    this.timeline.reset();
    this.responses.set([]);
  }

  // The demo's stand-in for an access token the server stopped accepting: same session, a token it refuses.
  protected breakAccessToken(): Promise<void> {
    return this.breakTokens({ accessToken: 'broken-access-token' });
  }

  // And for a session the server ended: the refresh token is refused too, so the refresh fails.
  protected breakBothTokens(): Promise<void> {
    return this.breakTokens({ accessToken: 'broken-access-token', refreshToken: 'revoked-refresh-token' });
  }

  protected signOut(): void {
    this.auth.signOut();
  }

  private async breakTokens(broken: Partial<TokenPair>): Promise<void> {
    const pair = this.store.tokens();
    if (pair) {
      this.breaking.set(true);
      await this.store.replace(pair, { ...pair, ...broken });
      this.breaking.set(false);
    }
  }

  private get(url: string, label: string) {
    const context = new HttpContext().set(REQUEST_LABEL, label);
    return this.http.get<string>(url, { context }).pipe(takeUntilDestroyed(this.destroyRef));
  }

  private record(response: BatchResponse): void {
    this.responses.update((responses) => responses.map((item) => (item.n === response.n ? response : item)));
  }
}

function describeError(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    const code = typeof error.error?.error === 'string' ? error.error.error : error.statusText;
    return `failed: ${error.status || 'network error'} ${code}`.trim();
  }
  return 'failed';
}
