import { HttpContextToken, HttpRequest } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { AUTH_ATTEMPT, AUTH_CONFIG, BYPASS_AUTH } from 'angular-token-refresh';

/** A label for the timeline row of a request, e.g. its number in a batch. */
export const REQUEST_LABEL = new HttpContextToken<string | null>(() => null);

/** Set by the compare mode's textbook interceptor on the requests it sends again after a refresh. */
export const TEXTBOOK_RETRY = new HttpContextToken<boolean>(() => false);

/** What an HTTP attempt was, as the auth layer sees it. */
export type TimelineKind = 'request' | 'replay' | 'retry' | 'refresh' | 'auth';

/** One HTTP attempt: a request, its replay or retry, or the refresh call. */
export interface TimelineEntry {
  readonly id: number;
  readonly label: string;
  readonly kind: TimelineKind;
  readonly method: string;
  readonly url: string;
  /** Last characters of the bearer token sent, or `null` when none was. */
  readonly token: string | null;
  /** Milliseconds since the timeline was reset. */
  readonly start: number;
  readonly end: number | null;
  /** HTTP status; 0 for a network error, `null` while pending or when cancelled. */
  readonly status: number | null;
}

/** Tallies of the current timeline. */
export interface TimelineCounts {
  readonly requests: number;
  readonly unauthorized: number;
  readonly refreshes: number;
  readonly retries: number;
}

/** Records every HTTP attempt since the last reset, for the home page's timeline. */
@Injectable({ providedIn: 'root' })
export class HttpTimeline {
  private readonly refreshUrl = inject(AUTH_CONFIG).refreshUrl;
  private readonly list = signal<readonly TimelineEntry[]>([]);
  private origin = performance.now();
  private nextId = 1;

  /** Attempts in the order they started. */
  readonly entries = this.list.asReadonly();
  /** Requests, 401 responses, refreshes and retries so far. */
  readonly counts = computed<TimelineCounts>(() => {
    const entries = this.list();
    return {
      requests: entries.filter((entry) => entry.kind === 'request').length,
      unauthorized: entries.filter((entry) => entry.status === 401).length,
      refreshes: entries.filter((entry) => entry.kind === 'refresh').length,
      retries: entries.filter((entry) => entry.kind === 'retry' || entry.kind === 'replay').length,
    };
  });

  /** Forgets all attempts and restarts the clock. */
  reset(): void {
    this.list.set([]);
    this.origin = performance.now();
  }

  /** Records the start of an attempt and returns its id. */
  start(req: HttpRequest<unknown>): number {
    const id = this.nextId++;
    const authorization = req.headers.get('Authorization');
    const entry: TimelineEntry = {
      id,
      label: req.context.get(REQUEST_LABEL) ?? '',
      kind: this.kindOf(req),
      method: req.method,
      url: req.urlWithParams,
      token: authorization ? authorization.slice(-6) : null,
      start: performance.now() - this.origin,
      end: null,
      status: null,
    };
    this.list.update((entries) => [...entries, entry]);
    return id;
  }

  /** Records how an attempt ended; `null` status means it was cancelled. */
  finish(id: number, status: number | null): void {
    const end = performance.now() - this.origin;
    this.list.update((entries) => entries.map((entry) => (entry.id === id && entry.end === null ? { ...entry, end, status } : entry)));
  }

  private kindOf(req: HttpRequest<unknown>): TimelineKind {
    if (req.url === this.refreshUrl) {
      return 'refresh';
    }
    if (req.context.get(BYPASS_AUTH)) {
      // An OAuth 2.0 refresh goes to the token endpoint, with the grant in its form body.
      return String(req.body ?? '').includes('grant_type=refresh_token') ? 'refresh' : 'auth';
    }
    if (req.context.get(TEXTBOOK_RETRY)) {
      return 'retry';
    }
    const attempt = req.context.get(AUTH_ATTEMPT);
    return attempt === 'first' || attempt === 'queued' ? 'request' : attempt;
  }
}
