import { HttpBackend, HttpErrorResponse, HttpEvent, HttpRequest, HttpResponse } from '@angular/common/http';
import { Observable } from 'rxjs';

/** Computes the answer to a request; an HttpErrorResponse is delivered as an error, like HttpXhrBackend does. */
export type Responder = (req: HttpRequest<unknown>) => HttpResponse<unknown> | HttpErrorResponse;

/** An HttpBackend without a network: answers synchronously (pure pipeline cost) or on a microtask (requests stay in flight). */
export class MemoryBackend implements HttpBackend {
  constructor(
    private readonly respond: Responder,
    private readonly async: boolean,
  ) {}

  /** Answers `req` with what the responder returns. */
  handle(req: HttpRequest<unknown>): Observable<HttpEvent<unknown>> {
    return new Observable((subscriber) => {
      const answer = () => {
        const response = this.respond(req);
        if (response instanceof HttpErrorResponse) {
          subscriber.error(response);
        } else {
          subscriber.next(response);
          subscriber.complete();
        }
      };
      if (this.async) {
        queueMicrotask(answer);
      } else {
        answer();
      }
    });
  }
}
