/** The API's resource indicator (RFC 8707): a code-flow sign-in gets JWT access tokens for it, which any origin can verify against the JWKS. */
export const API_AUDIENCE = 'https://api.consumer-app.test';
