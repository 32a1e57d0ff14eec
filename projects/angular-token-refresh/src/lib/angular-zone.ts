import { Injectable, NgZone, inject } from '@angular/core';

/**
 * The one place that knows about zone.js. The library's own timers, channel listeners and lock waits run outside the
 * Angular zone, so a zone.js app is stable whenever no request is in flight; whatever it hands the app (answers,
 * signals, events, session ends) comes back inside, so change detection sees it. Browser APIs that zone.js does not
 * patch (Web Locks, some IndexedDB and BroadcastChannel paths) call back in the root zone, hence `inside`. In a
 * zoneless app `NgZone` is a no-op, and so is all of this.
 */
@Injectable({ providedIn: 'root' })
export class AngularZone {
  private readonly zone = inject(NgZone);

  /** Runs `work` outside the Angular zone: for timers, listeners and waits that no app code is waiting on. */
  outside<T>(work: () => T): T {
    return this.zone.runOutsideAngular(work);
  }

  /** Runs `work` inside the Angular zone, so that change detection sees what it changes or emits. */
  inside<T>(work: () => T): T {
    // Already inside, this only nests: NgZone checks for stability when the outermost run ends.
    return this.zone.run(work);
  }
}
