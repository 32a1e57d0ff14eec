import { TestBed } from '@angular/core/testing';
import { AuthEvents } from 'angular-token-refresh';
import { provideAuthTesting } from 'angular-token-refresh/testing';

import { AuthEventHistory, MAX_EVENTS } from './auth-event-history';

describe('AuthEventHistory', () => {
  beforeEach(() => TestBed.configureTestingModule({ providers: provideAuthTesting() }));

  describe('when events happen', () => {
    it('keeps them in order, the latest MAX_EVENTS of them', () => {
      const history = TestBed.inject(AuthEventHistory);
      const events = TestBed.inject(AuthEvents);

      events.emit({ type: 'signed-out', reason: 'other-tab' });
      for (let i = 0; i < MAX_EVENTS; i++) {
        events.emit({ type: 'signed-in', userName: `user-${i}` });
      }

      expect(history.events().length).toBe(MAX_EVENTS);
      expect(history.events()[0]).toEqual(jasmine.objectContaining({ type: 'signed-in', userName: 'user-0' }));
      expect(history.events().at(-1)).toEqual(jasmine.objectContaining({ userName: `user-${MAX_EVENTS - 1}` }));
    });
  });
});
