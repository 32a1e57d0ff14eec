import { Provider } from '@angular/core';
import { MemoryStorage, SiblingTab } from 'angular-token-refresh/testing';

import { ROTATION_ID, TokenSet } from '../auth-backend';
import { TokenResponse } from '../bundled-server-backend';
import { withRefreshTokenCookie } from '../provide-auth';
import { TokenPair } from '../token-pair';
import { tokenResponseFor } from './token-response-for';

/** One way the auth layer can keep the refresh token; spec files that must hold in both run once per mode. */
export interface AuthMode {
  readonly name: string;
  /** Providers that select the mode. */
  providers(): Provider[];
  /** The bundled server's answer for the `n`th pair, as it sends it in this mode. */
  answer(n: number, expiresIn?: number): Partial<TokenResponse>;
  /** What storage holds for `pair` in this mode. */
  stored(pair: TokenPair | null): unknown;
  /** The body of a logout or refresh that presents `refreshToken`. */
  presented(refreshToken: string): object;
  /** A sibling tab sharing `storage`. */
  sibling(storage: MemoryStorage): SiblingTab;
  /** Whether a refresh notes its attempt id in the pair; cookie mode's rotation id names the attempt instead. */
  readonly notesAttempts: boolean;
}

/** Tokens in storage, as the seed keeps them. */
const STORED_TOKENS: AuthMode = {
  name: 'refresh token in storage',
  providers: () => [],
  answer: (n, expiresIn) => tokenResponseFor(n, expiresIn),
  stored: (pair) => pair,
  presented: (refreshToken) => ({ refreshToken }),
  sibling: (storage) => new SiblingTab(storage),
  notesAttempts: true,
};

/** Cookie mode: the server sets the refresh token as a cookie; rotations are named `rt-n` after their `at-n` here. */
const COOKIE: AuthMode = {
  name: 'refresh token in an HttpOnly cookie',
  providers: () => [
    ...withRefreshTokenCookie().ɵproviders,
    { provide: ROTATION_ID, useValue: (tokens: TokenSet) => tokens.accessToken.replace('at-', 'rt-') },
  ],
  answer: (n, expiresIn) => {
    const { refreshToken: _refreshToken, ...body } = tokenResponseFor(n, expiresIn);
    return body;
  },
  stored: (pair) => {
    if (pair === null) {
      return null;
    }
    const { accessToken: _accessToken, ...record } = pair;
    return record;
  },
  presented: () => ({}),
  sibling: (storage) => new SiblingTab(storage, { cookieMode: true }),
  notesAttempts: false,
};

export const AUTH_MODES: readonly AuthMode[] = [STORED_TOKENS, COOKIE];
