import type { TokenPair } from './token-pair';
import type { TokenStorage } from './token-storage';

/** What tabs tell each other in cookie mode, on the token channel. */
export type CookieModeMessage = { readonly type: 'ask' } | { readonly type: 'pair'; readonly pair: TokenPair };

/**
 * Cookie mode's {@link TokenStorage}: the refresh token is an HttpOnly cookie, so `refreshToken` holds only the id
 * of the rotation whose token the cookie carries, and the access token lives in memory. `inner` (IndexedDB) keeps
 * what must survive a reload, that a session exists, whose, and when its token expires, and never a token. Tabs
 * hand each other the access token over `channel`: each write is posted, and a tab that does not know the token of
 * the stored rotation asks, waiting `askMs` for an answer. Without one, the pair comes back with an empty access
 * token, and the auth layer recovers it with a refresh (the cookie).
 */
export class CookieTokenStorage implements TokenStorage {
  // The newest pair this tab has seen with its access token: its own, or a sibling's.
  private known: TokenPair | null = null;
  private answered: (() => void) | null = null;
  // The rotation this tab last asked about in vain: asking again before news arrives would only wait again.
  private unanswered: string | null = null;

  constructor(
    private readonly inner: TokenStorage,
    private readonly channel: BroadcastChannel | EventTarget | null,
    private readonly askMs = 250,
  ) {
    channel?.addEventListener('message', (event) => this.receive((event as MessageEvent<unknown>).data));
  }

  async read(): Promise<unknown> {
    return this.complete(await this.inner.read());
  }

  async update(change: (stored: unknown) => unknown): Promise<unknown> {
    let written: unknown;
    const stored = await this.inner.update((current) => {
      const next = change(this.merge(current));
      written = next;
      return next === undefined || next === null ? next : withoutAccessToken(next as TokenPair);
    });
    // A new pair goes to the siblings whole; a sign-out as the plain ping, so they re-read storage and find nothing.
    // A pair without its access token (the refresh attempt noted by a tab that lacks it) is news to nobody, and must
    // not make the siblings forget the token they have.
    if (written === null || (written as TokenPair | undefined)?.accessToken) {
      this.known = written as TokenPair | null;
      this.post(this.known ? { type: 'pair', pair: this.known } : 'changed');
    }
    return this.complete(stored);
  }

  // `stored` with the access token of its rotation, asking the siblings for it when this tab does not know it.
  private async complete(stored: unknown): Promise<unknown> {
    const pair = this.merge(stored);
    const rotation = (pair as TokenPair | null)?.refreshToken;
    if (pair === null || (pair as TokenPair).accessToken !== '' || !this.channel || rotation === this.unanswered) {
      return pair;
    }
    // A sibling that rotated posts the pair right after committing it, so an answer is usually a message away.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.askMs);
      this.answered = () => {
        clearTimeout(timer);
        resolve();
      };
      this.post({ type: 'ask' });
    });
    this.answered = null;
    const completed = this.merge(stored);
    this.unanswered = (completed as TokenPair).accessToken === '' ? (rotation ?? null) : null;
    return completed;
  }

  private receive(message: unknown): void {
    if (!isMessage(message)) {
      return;
    }
    if (message.type === 'ask') {
      if (this.known) {
        this.post({ type: 'pair', pair: this.known });
      }
      return;
    }
    this.known = message.pair;
    this.unanswered = null;
    this.answered?.();
  }

  /** The stored record with the access token of its rotation, when known; `''` when not; `null` for no session. */
  private merge(stored: unknown): unknown {
    if (typeof stored !== 'object' || stored === null) {
      return null;
    }
    if ('accessToken' in stored) {
      // Left by the default mode, which stores tokens: not a cookie session (and never kept).
      return null;
    }
    const record = stored as Omit<TokenPair, 'accessToken'>;
    const known = this.known;
    const accessToken =
      known && known.sessionId === record.sessionId && known.refreshToken === record.refreshToken ? known.accessToken : '';
    return { ...record, accessToken };
  }

  private post(message: CookieModeMessage | 'changed'): void {
    (this.channel as BroadcastChannel | null)?.postMessage(message);
  }
}

function withoutAccessToken(pair: TokenPair): Omit<TokenPair, 'accessToken'> {
  const { accessToken: _accessToken, ...record } = pair;
  return record;
}

function isMessage(value: unknown): value is CookieModeMessage {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { type, pair } = value as Record<string, unknown>;
  return type === 'ask' || (type === 'pair' && typeof pair === 'object' && pair !== null);
}
