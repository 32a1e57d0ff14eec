import { ChangeDetectionStrategy, Component } from '@angular/core';

/** The shell: one router outlet, checked eagerly like the pages under it (see pages.ts). */
@Component({
  selector: 'app-root',
  standalone: false,
  template: '<router-outlet />',
  changeDetection: ChangeDetectionStrategy.Default,
})
export class App {}
