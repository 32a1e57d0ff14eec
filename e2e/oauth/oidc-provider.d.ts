// Minimal typings for the parts of oidc-provider (which ships none) that the OAuth harness uses.
declare module 'oidc-provider' {
  /** A stored token as oidc-provider's models expose it. */
  export interface Token {
    accountId?: string;
    grantId?: string;
    scope?: string;
    readonly isExpired: boolean;
    readonly expiration: number;
    save(): Promise<string>;
  }

  /** A registered client. */
  export interface Client {
    clientId: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  /** The Koa context as oidc-provider decorates it. */
  export interface KoaContextWithOIDC {
    status: number;
    body: unknown;
    get(header: string): string;
    oidc?: { route?: string; client: Client; params?: Record<string, unknown> };
  }

  interface TokenModel {
    new (payload: Record<string, unknown>): Token;
    find(value: string): Promise<Token | undefined>;
  }

  interface GrantModel {
    new (payload: { accountId: string; clientId: string }): { addOIDCScope(scope: string): void; save(): Promise<string> };
    find(id: string): Promise<object | undefined>;
  }

  /** An OpenID Provider: a Koa application. */
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly AccessToken: TokenModel;
    readonly RefreshToken: TokenModel;
    readonly Grant: GrantModel;
    callback(): import('node:http').RequestListener;
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    registerGrantType(
      name: string,
      handler: (ctx: KoaContextWithOIDC & { oidc: { client: Client } }) => Promise<void>,
      params?: string[],
    ): void;
  }

  export const errors: { InvalidRequest: new (description: string) => Error };
}
