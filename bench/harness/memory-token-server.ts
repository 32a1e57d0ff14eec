import { HttpErrorResponse, HttpRequest, HttpResponse } from '@angular/common/http';
import { DEFAULT_AUTH_CONFIG, TokenPair, TokenResponse } from 'angular-token-refresh';

/** The token server's refresh contract in memory: one accepted access token and one live refresh token, both rotated by a refresh. */
export class MemoryTokenServer {
  private issued = 0;
  private accessToken: string | null = null;
  private refreshToken: string | null = null;

  /** Refreshes answered with a new pair so far. */
  refreshes = 0;

  /** Opens a session and returns its pair. */
  signIn(): TokenPair {
    const response = this.issue();
    return {
      sessionId: 'bench',
      userId: response.userId,
      userName: response.userName,
      accessToken: response.authorizationToken,
      refreshToken: response.refreshToken,
    };
  }

  /** Stops accepting the current access token, as its expiry would. */
  expireAccessToken(): void {
    this.accessToken = null;
  }

  /** 200 for the accepted bearer token, 401 for any other; a refresh with the live refresh token rotates both, any other gets 400. */
  answer(req: HttpRequest<unknown>): HttpResponse<unknown> | HttpErrorResponse {
    if (req.url === DEFAULT_AUTH_CONFIG.refreshUrl) {
      const presented = (req.body as { refreshToken?: string } | null)?.refreshToken;
      if (presented !== this.refreshToken) {
        return new HttpErrorResponse({ status: 400, url: req.url, error: { error: 'invalid_grant' } });
      }
      this.refreshes++;
      return new HttpResponse({ status: 200, url: req.url, body: this.issue() });
    }
    if (req.headers.get('Authorization') !== `Bearer ${this.accessToken}`) {
      return new HttpErrorResponse({ status: 401, url: req.url, error: { error: 'invalid_token' } });
    }
    return new HttpResponse({ status: 200, url: req.url, body: 'protected resources, username: bench' });
  }

  private issue(): TokenResponse {
    this.issued++;
    this.accessToken = `access-${this.issued}`;
    this.refreshToken = `refresh-${this.issued}`;
    return {
      userId: 'bench',
      userName: 'bench',
      authorizationToken: this.accessToken,
      refreshToken: this.refreshToken,
      tokenType: 'Bearer',
      expiresIn: 3600,
    };
  }
}
