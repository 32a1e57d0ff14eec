import { Provider } from '@angular/core';

import { TOKEN_CHANNEL } from 'angular-token-refresh';

import { MemoryStorage } from './memory-storage';

/**
 * Plays another tab of the origin in a spec: it writes to the shared storage and pings the tab under test. In
 * cookie mode (`withRefreshTokenCookie()`) it stores pairs without their access token, as that mode does, posts the
 * pair itself instead of a ping, and answers the tab's requests for it.
 */
export class SiblingTab {
  private readonly channel = new FakeChannel(() => this.answer());
  private last: unknown = null;

  /** Shares `storage` with the tab under test. */
  constructor(
    private readonly storage: MemoryStorage,
    private readonly options: { readonly cookieMode?: boolean } = {},
  ) {}

  /** Connects the spec's `TokenStore` to this sibling's pings, in place of a `BroadcastChannel`. */
  provider(): Provider {
    return { provide: TOKEN_CHANNEL, useValue: this.channel };
  }

  /** Stores `value` (a pair, `null`, or garbage) and, unless `notify` is false (a ping not delivered yet), pings. */
  write(value: unknown, notify = true): void {
    this.last = value;
    const cookieMode = this.options.cookieMode && typeof value === 'object' && value !== null;
    if (cookieMode) {
      const { accessToken: _accessToken, ...record } = value as Record<string, unknown>;
      this.storage.value = record;
    } else {
      this.storage.value = value;
    }
    if (notify) {
      this.channel.dispatchEvent(new MessageEvent('message', { data: cookieMode ? { type: 'pair', pair: value } : 'changed' }));
    }
  }

  // In cookie mode a tab that lacks the access token asks its siblings; this one answers with what it last wrote.
  private answer(): void {
    if (this.options.cookieMode && typeof this.last === 'object' && this.last !== null) {
      this.channel.dispatchEvent(new MessageEvent('message', { data: { type: 'pair', pair: this.last } }));
    }
  }

  /** How many pings the tab under test sent to its siblings. */
  get pings(): number {
    return this.channel.posted;
  }
}

class FakeChannel extends EventTarget {
  posted = 0;

  constructor(private readonly onAsk: () => void) {
    super();
  }

  postMessage(message: unknown): void {
    this.posted++;
    if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ask') {
      this.onAsk();
    }
  }

  close(): void {
    this.posted = -Infinity;
  }
}
