import { HttpHeaders, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { DEFAULT_AUTH_CONFIG, TokenStore, authInterceptor } from 'angular-token-refresh';
import { MemoryStorage, SiblingTab, flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';

import { LoginPage } from './login-page';

const TOKENS = { userId: 'u1', userName: 'demo', authorizationToken: 'at-1', refreshToken: 'rt-1', tokenType: 'Bearer', expiresIn: 300 };

describe('LoginPage', () => {
  let fixture: ComponentFixture<LoginPage>;
  let httpTesting: HttpTestingController;
  let navigateByUrl: jasmine.Spy;
  let storage: MemoryStorage;
  let sibling: SiblingTab;

  beforeEach(async () => {
    storage = new MemoryStorage();
    sibling = new SiblingTab(storage);
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        ...provideAuthTesting(storage),
        sibling.provider(),
      ],
    });
    httpTesting = TestBed.inject(HttpTestingController);
    navigateByUrl = spyOn(TestBed.inject(Router), 'navigateByUrl').and.resolveTo(true);
    fixture = TestBed.createComponent(LoginPage);
    await fixture.whenStable();
  });

  afterEach(() => httpTesting.verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const button = () => el().querySelector<HTMLButtonElement>('button[type=submit]')!;
  const alert = () => el().querySelector('[role=alert]')?.textContent?.trim() ?? null;

  async function submit(): Promise<void> {
    button().click();
    await fixture.whenStable();
  }

  describe('when it opens', () => {
    it('shows a "Sign in" form prefilled with the demo credentials', () => {
      const userName = el().querySelector<HTMLInputElement>('#userName')!;
      const password = el().querySelector<HTMLInputElement>('#password')!;

      expect(el().querySelector('h1')?.textContent).toBe('Sign in');
      expect(el().querySelector('label[for=userName]')?.textContent).toBe('User name');
      expect(el().querySelector('label[for=password]')?.textContent).toBe('Password');
      expect([userName.value, password.value, password.type]).toEqual(['demo', 'demo-password', 'password']);
      expect(button().textContent?.trim()).toBe('Sign in');
      expect(alert()).toBeNull();
    });
  });

  describe('when the credentials are accepted', () => {
    it('disables the button while pending, stores the tokens and goes to returnUrl', async () => {
      fixture.componentRef.setInput('returnUrl', '/?tab=2');
      await fixture.whenStable();

      await submit();
      const disabledWhilePending = button().disabled;
      httpTesting.expectOne(DEFAULT_AUTH_CONFIG.signInUrl).flush(TOKENS);
      await flushStorage();
      await fixture.whenStable();

      expect(disabledWhilePending).toBeTrue();
      expect(TestBed.inject(TokenStore).accessToken()).toBe('at-1');
      expect(storage.value).toEqual(jasmine.objectContaining({ accessToken: 'at-1', refreshToken: 'rt-1' }));
      expect(navigateByUrl).toHaveBeenCalledOnceWith('/?tab=2');
    });

    it('ignores a returnUrl that leaves the app', async () => {
      fixture.componentRef.setInput('returnUrl', '//evil.example.com/');

      await submit();
      httpTesting.expectOne(DEFAULT_AUTH_CONFIG.signInUrl).flush(TOKENS);
      await fixture.whenStable();

      expect(navigateByUrl).toHaveBeenCalledOnceWith('/');
    });
  });

  describe('when another tab signs in', () => {
    it('follows to returnUrl without a second sign-in', async () => {
      fixture.componentRef.setInput('returnUrl', '/?tab=2');

      sibling.write({ sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'at-9', refreshToken: 'rt-9' });
      await flushStorage();
      await fixture.whenStable();

      expect(navigateByUrl).toHaveBeenCalledOnceWith('/?tab=2');
      httpTesting.expectNone(DEFAULT_AUTH_CONFIG.signInUrl);
    });
  });

  describe('when signing in fails', () => {
    const cases: readonly { name: string; status: number; headers: Record<string, string>; message: string }[] = [
      { name: 'wrong credentials', status: 401, headers: {}, message: 'Wrong user name or password.' },
      { name: 'too many attempts', status: 429, headers: { 'Retry-After': '60' }, message: 'Too many attempts. Try again in 60 seconds.' },
      {
        name: 'an unreachable server',
        status: 504,
        headers: {},
        message: 'The server is unreachable. Check that it is running and try again.',
      },
      {
        name: 'an answer without tokens',
        status: 200,
        headers: {},
        message: 'The server sent an answer this app cannot use. Please try again.',
      },
    ];
    for (const failure of cases) {
      it(`shows an alert for ${failure.name}, stays on the page and re-enables the button`, async () => {
        await submit();

        httpTesting
          .expectOne(DEFAULT_AUTH_CONFIG.signInUrl)
          .flush({ error: 'x' }, { status: failure.status, statusText: 'Failed', headers: new HttpHeaders(failure.headers) });
        await fixture.whenStable();

        expect(alert()).toBe(failure.message);
        expect(button().disabled).toBeFalse();
        expect(navigateByUrl).not.toHaveBeenCalled();
        expect(TestBed.inject(TokenStore).tokens()).toBeNull();
      });
    }

    it('says the server is unreachable on a network error', async () => {
      await submit();

      httpTesting.expectOne(DEFAULT_AUTH_CONFIG.signInUrl).error(new ProgressEvent('error'));
      await fixture.whenStable();

      expect(alert()).toBe('The server is unreachable. Check that it is running and try again.');
    });
  });
});
