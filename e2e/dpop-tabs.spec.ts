import { expect, test } from './fixtures';
import { BROWSE_MS, browseFiveTabs } from './tab-traffic';

// The demo's `dpop` build; 4-second access tokens, strict single use, and nonces that rotate every 2 seconds.
test.use({
  demoMode: 'dpop',
  serverEnv: { DPOP: 'required', DPOP_NONCE_SECONDS: '2', ACCESS_TOKEN_TTL_SECONDS: '4', REFRESH_REUSE_WINDOW_SECONDS: '0' },
});

test.describe('DPoP: five tabs with 4-second access tokens, strict single use and 2-second nonces', () => {
  test.setTimeout(BROWSE_MS + 60_000);

  test('sending requests at random for 30 s never presents a spent refresh token or a refused proof', async ({ page, context }) => {
    // Every proof an API refused (a nonce challenge is not a refusal but a request to resend; a refused proof at the
    // token endpoint is a refused refresh, which browseFiveTabs counts).
    const refusedProofs: string[] = [];
    context.on('response', (response) => {
      const challenge = response.headers()['www-authenticate'] ?? '';
      if (challenge.includes('invalid_dpop_proof')) {
        refusedProofs.push(`${response.status()} ${new URL(response.url()).pathname} ${challenge}`);
      }
    });
    await browseFiveTabs(page, context, 'with DPoP');
    expect(refusedProofs).toEqual([]);
  });
});
