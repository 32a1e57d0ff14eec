import { TestBed } from '@angular/core/testing';

import { AUTH_EVENT_CHANNEL, AuthEvent, AuthEvents, TAB_ID } from './auth-events';

describe('AuthEvents', () => {
  let name: string;
  let otherTab: BroadcastChannel;
  let events: AuthEvents;
  let received: AuthEvent[];

  beforeEach(() => {
    // A fresh channel name per spec, so no message from another spec arrives here.
    name = `auth-events-spec-${Math.random()}`;
    otherTab = new BroadcastChannel(name);
    TestBed.configureTestingModule({
      providers: [
        { provide: AUTH_EVENT_CHANNEL, useFactory: () => new BroadcastChannel(name) },
        { provide: TAB_ID, useValue: 'aaaa' },
      ],
    });
    events = TestBed.inject(AuthEvents);
    received = [];
    events.events$.subscribe((event) => received.push(event));
  });

  afterEach(() => otherTab.close());

  function nextMessage(channel: BroadcastChannel): Promise<AuthEvent> {
    return new Promise((resolve) => channel.addEventListener('message', (message) => resolve(message.data), { once: true }));
  }

  describe('when this tab emits', () => {
    it('publishes the event here and to the other tabs, stamped with this tab and the time', async () => {
      const before = Date.now();
      const delivered = nextMessage(otherTab);

      events.emit({ type: 'refresh-succeeded' });
      const remote = await delivered;

      expect(received).toEqual([jasmine.objectContaining({ type: 'refresh-succeeded', tab: 'aaaa' })]);
      expect(remote).toEqual(received[0]);
      expect(remote.at).toBeGreaterThanOrEqual(before);
    });
  });

  describe('when another tab emits', () => {
    it("passes its event on with that tab's id", async () => {
      const event: AuthEvent = { type: 'adopted-from-tab', tab: 'bbbb', at: 1 };
      const own = TestBed.inject(AUTH_EVENT_CHANNEL)!;
      const delivered = nextMessage(own);

      otherTab.postMessage(event);
      await delivered;

      expect(received).toEqual([event]);
    });
  });
});
