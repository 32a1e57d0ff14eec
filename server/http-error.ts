import type { Response } from 'express';

/** An error that the app's error handler answers as `status` with the JSON body `{ error: code, error_description: description }`. */
export class HttpError extends Error {
  /** Creates the error; `headers` are set on the response (e.g. `WWW-Authenticate`, `Allow`). */
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${status} ${code}: ${description}`);
    this.name = 'HttpError';
  }

  /** Answers with this error on `res`: its status, its headers and the JSON body. */
  send(res: Response): void {
    res.status(this.status).set(this.headers).json({ error: this.code, error_description: this.description });
  }
}
