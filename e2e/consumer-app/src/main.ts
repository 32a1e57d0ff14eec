import { ApplicationRef } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';

import { App } from './app/app';
import { appConfig } from './app/app.config';
import { reportStability } from './report-stability';

bootstrapApplication(App, appConfig)
  .then((app) => reportStability(app.injector.get(ApplicationRef)))
  .catch((error: unknown) => console.error(error));
