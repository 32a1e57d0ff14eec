import { isTrustedUrl } from './trusted-url';

describe('isTrustedUrl', () => {
  const APP = 'https://app.example.com';

  it('ignores an apiOrigins entry that does not parse, and still trusts the others', () => {
    const trusted = (url: string) => isTrustedUrl(url, APP, ['not a url', 'https://api.example.com']);

    expect(trusted('https://api.example.com/v1')).toBeTrue();
    expect(trusted(`${APP}/api`)).toBeTrue();
    expect(trusted('not a url')).toBeTrue(); // A relative path, on the app's own origin.
    expect(trusted('https://other.example.com/v1')).toBeFalse();
  });

  it('trusts no scheme but http and https, even on a trusted host', () => {
    const trusted = (url: string) => isTrustedUrl(url, APP, ['https://api.example.com']);

    expect(trusted('ws://api.example.com/v1')).toBeFalse();
    expect(trusted('javascript:alert(1)')).toBeFalse();
    expect(trusted('data:text/plain,hi')).toBeFalse();
  });
});
