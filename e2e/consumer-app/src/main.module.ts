import { ApplicationRef } from '@angular/core';
import { platformBrowser } from '@angular/platform-browser';

import { AppModule } from './module/app-module';
import { reportStability } from './report-stability';

// The classic shape: an NgModule bootstrapped on zone.js, the class interceptor in HTTP_INTERCEPTORS.
platformBrowser()
  .bootstrapModule(AppModule)
  .then((module) => reportStability(module.injector.get(ApplicationRef)))
  .catch((error: unknown) => console.error(error));
