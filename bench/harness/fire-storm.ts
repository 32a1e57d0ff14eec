import { HttpClient } from '@angular/common/http';

import { StormRun } from './bench-harness';

/** GETs every URL in the same task and resolves when every request has settled. */
export function fireStorm(http: HttpClient, urls: readonly string[]): Promise<StormRun> {
  return new Promise((resolve) => {
    const start = performance.now();
    let served = 0;
    let failed = 0;
    const settle = () => served + failed === urls.length && resolve({ wallMs: performance.now() - start, served, failed });
    for (const url of urls) {
      http.get(url).subscribe({
        next: () => {
          served++;
          settle();
        },
        error: () => {
          failed++;
          settle();
        },
      });
    }
  });
}
