import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { TAB_ID, AuthEvent, RefreshTrigger } from 'angular-token-refresh';

const REFRESH_STARTED: Record<RefreshTrigger, string> = {
  unauthorized: 'refresh started after a 401',
  proactive: 'refresh started ahead of expiry',
  recovery: 'refresh started to recover the access token',
};

/** The auth events of this tab and its siblings, newest last, each with the tab it came from. */
@Component({
  selector: 'app-auth-event-log',
  template: `
    <h2 id="auth-events-heading">Auth events</h2>
    <ol aria-labelledby="auth-events-heading">
      @for (row of rows(); track $index) {
        <li [class.other-tab]="!row.own">
          <span class="time">{{ row.time }}</span>
          <span class="tab">{{ row.own ? 'this tab' : 'tab ' + row.tab }} </span>
          <span>{{ row.text }}</span>
        </li>
      } @empty {
        <li class="empty">No auth events yet.</li>
      }
    </ol>
  `,
  styles: `
    h2 {
      font-size: 1rem;
      margin: 0 0 0.5rem;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0;
      font-size: 0.85rem;
      max-height: 16rem;
      overflow: auto;
    }
    li {
      display: grid;
      grid-template-columns: 6.5rem 5.5rem 1fr;
      padding: 0.15rem 0;
      border-bottom: 1px solid #f1f5f9;
    }
    .time,
    .tab,
    .empty {
      color: #64748b;
    }
    .other-tab {
      background: #fefce8;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AuthEventLog {
  private readonly tab = inject(TAB_ID);

  /** Events in the order they happened. */
  readonly events = input.required<readonly AuthEvent[]>();

  protected readonly rows = computed(() =>
    this.events().map((event) => ({
      own: event.tab === this.tab,
      tab: event.tab,
      time: new Date(event.at).toLocaleTimeString([], { hour12: false }),
      text: describeEvent(event),
    })),
  );
}

function describeStatus(status: number): string {
  return status === 0 ? 'network' : status === 200 ? 'answer without tokens' : String(status);
}

function describeEvent(event: AuthEvent): string {
  switch (event.type) {
    case 'signed-in':
      return event.userName ? `signed in as ${event.userName}` : 'signed in';
    case 'refresh-started':
      return REFRESH_STARTED[event.trigger];
    case 'refresh-succeeded':
      return 'refresh succeeded; tokens rotated';
    case 'refresh-failed':
      return event.terminal
        ? `refresh rejected (${event.status}): session ends`
        : `refresh failed (${describeStatus(event.status)}): session kept, will retry`;
    case 'lock-wait-timed-out':
      return 'another tab held the refresh lock too long: no refresh sent, session kept';
    case 'adopted-from-tab':
      return 'adopted the tokens another tab rotated; no refresh call';
    case 'request-queued':
      return 'a request waits for the refresh';
    case 'late-401-replayed':
      return 'late 401: replayed with the newer token';
    case 'signed-out':
      return `signed out (${event.reason})`;
  }
}
