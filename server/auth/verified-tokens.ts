/**
 * Access tokens already verified, keyed by the token, each kept until its own `exp`: a valid token is checked
 * (HMAC or signature, claims) once, not on every request. Bounded: past `capacity` the oldest entry goes. Only
 * tokens that passed every check are kept, so forgeries cannot fill it.
 */
export class VerifiedTokens<Claims extends { exp: number }> {
  private readonly entries = new Map<string, Claims>();

  constructor(private readonly capacity: number) {}

  /** The claims of `token` if it was verified and has not expired at `nowSeconds`. */
  get(token: string, nowSeconds: number): Claims | undefined {
    const claims = this.entries.get(token);
    if (claims && claims.exp <= nowSeconds) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  /** Remembers that `token` verified with `claims`. */
  add(token: string, claims: Claims): void {
    if (this.capacity === 0) return;
    if (this.entries.size >= this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(token, claims);
  }
}
