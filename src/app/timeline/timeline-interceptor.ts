import { HttpErrorResponse, HttpInterceptorFn, HttpResponse } from '@angular/common/http';
import { inject } from '@angular/core';
import { finalize, tap } from 'rxjs';

import { HttpTimeline } from './http-timeline';

/** Records each attempt that reaches the backend; register it after `authInterceptor` to see retries. */
export const timelineInterceptor: HttpInterceptorFn = (req, next) => {
  const timeline = inject(HttpTimeline);
  const id = timeline.start(req);

  return next(req).pipe(
    tap({
      next: (event) => event instanceof HttpResponse && timeline.finish(id, event.status),
      error: (error: unknown) => timeline.finish(id, error instanceof HttpErrorResponse ? error.status : 0),
    }),
    finalize(() => timeline.finish(id, null)),
  );
};
