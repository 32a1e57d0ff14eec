import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

import { TimelineCounts, TimelineEntry } from './http-timeline';

/** The request timeline: a one-line story, counters, and one row per HTTP attempt with a bar drawn to scale. */
@Component({
  selector: 'app-request-timeline',
  templateUrl: './request-timeline.html',
  styleUrl: './request-timeline.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RequestTimeline {
  /** Attempts in start order. */
  readonly entries = input.required<readonly TimelineEntry[]>();
  /** Tallies of the same attempts. */
  readonly counts = input.required<TimelineCounts>();

  /** "3 × 401 → 1 refresh → 3 × 200", or `null` when nothing was refused. */
  protected readonly story = computed(() => {
    const entries = this.entries();
    const refused = entries.filter((entry) => entry.kind === 'request' && entry.status === 401).length;
    if (refused === 0) {
      return null;
    }
    const refreshes = this.counts().refreshes;
    const recovered = entries.filter((entry) => entry.kind !== 'request' && entry.kind !== 'refresh' && isOk(entry.status)).length;
    return `${refused} × 401 → ${refreshes} refresh${refreshes === 1 ? '' : 'es'} → ${recovered} × 200`;
  });

  protected readonly rows = computed(() => {
    const entries = this.entries();
    const span = Math.max(1, ...entries.map((entry) => entry.end ?? entry.start));
    return entries.map((entry) => {
      const duration = entry.end === null ? null : entry.end - entry.start;
      return {
        ...entry,
        duration,
        tone: toneOf(entry),
        left: (entry.start / span) * 100,
        width: Math.max(((duration ?? span - entry.start) / span) * 100, 0.6),
      };
    });
  });
}

function isOk(status: number | null): boolean {
  return status !== null && status >= 200 && status < 300;
}

function toneOf(entry: TimelineEntry): string {
  if (entry.kind === 'refresh') {
    return isOk(entry.status) || entry.status === null ? 'refresh' : 'failed';
  }
  if (entry.status === null) {
    return 'pending';
  }
  if (entry.status === 401) {
    return 'unauthorized';
  }
  return isOk(entry.status) ? 'ok' : 'failed';
}
