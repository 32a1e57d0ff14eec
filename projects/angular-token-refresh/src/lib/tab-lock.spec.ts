import { HttpErrorResponse } from '@angular/common/http';
import { TestBed } from '@angular/core/testing';
import { Subject, throwError } from 'rxjs';
import { FakeLockManager, provideAuthTesting } from 'angular-token-refresh/testing';

import { DEFAULT_AUTH_CONFIG } from './auth-config';
import { TabLock } from './tab-lock';

const LOCK = 'spec-lock';

/** Lets promise callbacks (lock grants and releases) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}

describe('TabLock', () => {
  let locks: FakeLockManager;
  let tabLock: TabLock;

  function setUp(lockManager: LockManager | null): void {
    TestBed.configureTestingModule({ providers: provideAuthTesting(undefined, lockManager) });
    tabLock = TestBed.inject(TabLock);
  }

  describe('when another tab holds the lock', () => {
    beforeEach(() => {
      locks = new FakeLockManager();
      setUp(locks);
    });

    it('starts the work only after the other tab releases it', async () => {
      const releaseOtherTab = locks.hold(LOCK);
      const work = new Subject<string>();
      let started = false;
      const values: string[] = [];

      tabLock.run(LOCK, () => ((started = true), work)).subscribe((value) => values.push(value));
      const startedWhileHeld = started;
      releaseOtherTab();
      await settle();
      work.next('done');
      work.complete();

      expect(startedWhileHeld).toBeFalse();
      expect(started).toBeTrue();
      expect(values).toEqual(['done']);
    });

    it('stops waiting after lockWaitMs and fails with status 0 without ever running the work', async () => {
      jasmine.clock().install();
      try {
        const releaseOtherTab = locks.hold(LOCK);
        let started = false;
        let error: unknown;

        tabLock.run(LOCK, () => ((started = true), new Subject<never>())).subscribe({ error: (e) => (error = e) });
        jasmine.clock().tick(DEFAULT_AUTH_CONFIG.lockWaitMs - 1);
        await settle();
        const errorBeforeDeadline = error;
        jasmine.clock().tick(1);
        await settle();
        releaseOtherTab();
        await settle();

        expect(errorBeforeDeadline).toBeUndefined();
        expect(error).toBeInstanceOf(HttpErrorResponse);
        expect((error as HttpErrorResponse).status).toBe(0);
        expect(started).toBeFalse();
      } finally {
        jasmine.clock().uninstall();
      }
    });
  });

  describe('when the browser refuses the lock request', () => {
    it('fails with status 0 without running the work', async () => {
      const refusing = new FakeLockManager();
      spyOn(refusing, 'request').and.callFake(() => Promise.reject(new DOMException('The request was denied', 'SecurityError')));
      setUp(refusing);
      let started = false;
      let error: unknown;

      tabLock.run(LOCK, () => ((started = true), new Subject<never>())).subscribe({ error: (e) => (error = e) });
      await settle();

      expect(error).toBeInstanceOf(HttpErrorResponse);
      expect((error as HttpErrorResponse).status).toBe(0);
      expect(started).toBeFalse();
    });
  });

  describe('when the work ends', () => {
    beforeEach(() => {
      locks = new FakeLockManager();
      setUp(locks);
    });

    for (const [name, end] of [
      ['errors', () => tabLock.run(LOCK, () => throwError(() => new Error('boom'))).subscribe({ error: () => undefined })],
      [
        'is unsubscribed',
        () =>
          tabLock
            .run(LOCK, () => new Subject<never>())
            .subscribe()
            .unsubscribe(),
      ],
    ] as const) {
      it(`releases the lock when it ${name}`, async () => {
        end();
        await settle();
        let next = false;

        tabLock.run(LOCK, () => ((next = true), new Subject<never>())).subscribe();
        await settle();

        expect(next).toBeTrue();
      });
    }
  });

  describe('when the browser has no Web Locks', () => {
    it('runs the work at once, single-flight within the tab only', () => {
      setUp(null);
      let started = false;

      tabLock.run(LOCK, () => ((started = true), new Subject<never>())).subscribe();

      expect(started).toBeTrue();
    });
  });
});
