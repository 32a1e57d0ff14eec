import { TestBed } from '@angular/core/testing';
import { TAB_ID, AuthEvent } from 'angular-token-refresh';

import { AuthEventLog } from './auth-event-log';

describe('AuthEventLog', () => {
  describe('when events come from this tab and another', () => {
    it('names the tab of each and says what happened in words', async () => {
      TestBed.configureTestingModule({ providers: [{ provide: TAB_ID, useValue: 'aaaa' }] });
      const fixture = TestBed.createComponent(AuthEventLog);
      const events: AuthEvent[] = [
        { type: 'refresh-started', trigger: 'proactive', tab: 'aaaa', at: 0 },
        { type: 'adopted-from-tab', tab: 'bbbb', at: 0 },
        { type: 'refresh-failed', terminal: false, status: 503, tab: 'aaaa', at: 0 },
        { type: 'refresh-failed', terminal: false, status: 200, tab: 'aaaa', at: 0 },
        { type: 'lock-wait-timed-out', tab: 'aaaa', at: 0 },
        { type: 'signed-out', reason: 'refresh-rejected', tab: 'bbbb', at: 0 },
      ];

      fixture.componentRef.setInput('events', events);
      await fixture.whenStable();
      const rows = [...(fixture.nativeElement as HTMLElement).querySelectorAll('li')].map((li) =>
        [...li.querySelectorAll('span')].slice(1).map((span) => span.textContent?.trim()),
      );

      expect(rows).toEqual([
        ['this tab', 'refresh started ahead of expiry'],
        ['tab bbbb', 'adopted the tokens another tab rotated; no refresh call'],
        ['this tab', 'refresh failed (503): session kept, will retry'],
        ['this tab', 'refresh failed (answer without tokens): session kept, will retry'],
        ['this tab', 'another tab held the refresh lock too long: no refresh sent, session kept'],
        ['tab bbbb', 'signed out (refresh-rejected)'],
      ]);
    });
  });
});
