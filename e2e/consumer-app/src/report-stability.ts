import { ApplicationRef, NgZone, VERSION } from '@angular/core';

/**
 * Shows the end-to-end tests what they cannot see on the page: `<html data-angular>` is the Angular version that
 * runs, `<html data-zone>` whether the app runs on zone.js (NgZone, not the no-op zone of a zoneless app), and
 * `<html data-stable>` follows `ApplicationRef.isStable`.
 */
export function reportStability(appRef: ApplicationRef): void {
  const root = document.documentElement;
  root.dataset['angular'] = VERSION.full;
  root.dataset['zone'] = String(appRef.injector.get(NgZone).run(() => NgZone.isInAngularZone()));
  appRef.isStable.subscribe((stable) => (root.dataset['stable'] = String(stable)));
}
