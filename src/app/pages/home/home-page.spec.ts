import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { DEFAULT_AUTH_CONFIG, TokenStore, authInterceptor } from 'angular-token-refresh';
import { flushStorage, provideAuthTesting } from 'angular-token-refresh/testing';

import { timelineInterceptor } from '../../timeline/timeline-interceptor';
import { HomePage } from './home-page';

const TOKENS = { userId: 'u1', userName: 'demo', authorizationToken: 'at-2', refreshToken: 'rt-2', tokenType: 'Bearer', expiresIn: 300 };
const BODY = 'protected resources, username: demo';

describe('HomePage', () => {
  let fixture: ComponentFixture<HomePage>;
  let httpTesting: HttpTestingController;
  let store: TokenStore;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor, timelineInterceptor])),
        provideHttpClientTesting(),
        ...provideAuthTesting(),
      ],
    });
    httpTesting = TestBed.inject(HttpTestingController);
    store = TestBed.inject(TokenStore);
    store.set({ sessionId: 's1', userId: 'u1', userName: 'demo', accessToken: 'at-1', refreshToken: 'rt-1' });
    fixture = TestBed.createComponent(HomePage);
    await fixture.whenStable();
  });

  afterEach(() => httpTesting.verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const text = (selector: string) => el().querySelector(selector)?.textContent?.trim() ?? '';
  const buttonNamed = (name: string) => [...el().querySelectorAll('button')].find((b) => b.textContent?.trim() === name)!;
  const responses = () =>
    [...el().querySelectorAll('ol[aria-labelledby=responses-heading] li')].map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
  const resourceRequests = () => httpTesting.match((req) => req.url.startsWith('/api/resources'));

  async function render(): Promise<void> {
    await fixture.whenStable();
  }

  describe('when it opens', () => {
    it('loads and shows the protected resource', async () => {
      httpTesting.expectOne('/api/resources').flush(BODY);
      await flushStorage();
      await render();

      expect(text('[data-testid=resource]')).toBe(BODY);
      expect(text('h1')).toBe('Signed in as demo');
    });
  });

  describe('when the access token is broken and 3 requests are sent', () => {
    it('lists 3 successes and tells the story 3 × 401 → 1 refresh → 3 × 200', async () => {
      httpTesting.expectOne('/api/resources').flush(BODY);
      await flushStorage();

      buttonNamed('Break access token').click();
      await flushStorage();
      await fixture.whenStable();
      buttonNamed('Send 3 requests').click();
      const first = resourceRequests();
      first.forEach((req: TestRequest) => req.flush({ error: 'invalid_token' }, { status: 401, statusText: 'Unauthorized' }));
      await flushStorage();
      httpTesting.expectOne(DEFAULT_AUTH_CONFIG.refreshUrl).flush(TOKENS);
      await flushStorage();
      resourceRequests().forEach((req) => req.flush(BODY));
      await flushStorage();
      await render();

      expect(first.map((req) => req.request.headers.get('Authorization'))).toEqual(Array(3).fill('Bearer broken-access-token'));
      expect(responses()).toEqual([1, 2, 3].map((n) => `#${n} 200 ${BODY}`));
      expect(text('[data-testid=story]')).toBe('3 × 401 → 1 refresh → 3 × 200');
      expect([
        text('[data-testid=count-requests]'),
        text('[data-testid=count-401]'),
        text('[data-testid=count-refreshes]'),
        text('[data-testid=count-retries]'),
      ]).toEqual(['3', '3', '1', '3']);
      expect(el().querySelectorAll('table tbody tr').length).toBe(7);
      expect(el().querySelector('table caption')?.textContent?.trim()).toBe('Request timeline');
      const log = [...el().querySelectorAll('ol[aria-labelledby=auth-events-heading] li')].map((li) => li.textContent);
      expect(log.filter((line) => line?.includes('this tab'))).toEqual(log);
      expect(log.filter((line) => line?.includes('refresh started after a 401')).length).toBe(1);
      expect(log.filter((line) => line?.includes('refresh succeeded')).length).toBe(1);
    });
  });

  describe('when the request count changes', () => {
    it('names the button after it and sends that many requests with staggered latency', async () => {
      httpTesting.expectOne('/api/resources').flush(BODY);
      await flushStorage();
      const input = el().querySelector<HTMLInputElement>('input[type=number]')!;
      const select = [...el().querySelectorAll('label')]
        .find((label) => label.textContent?.includes('Server latency'))!
        .querySelector('select')!;

      input.value = '5';
      input.dispatchEvent(new Event('input'));
      select.value = 'staggered';
      select.dispatchEvent(new Event('change'));
      await render();
      buttonNamed('Send 5 requests').click();
      const sent = resourceRequests();
      sent.forEach((req) => req.flush(BODY));
      await flushStorage();

      expect(sent.map((req) => req.request.urlWithParams)).toEqual(
        [0, 100, 200, 300, 400].map((d) => (d ? `/api/resources?delay=${d}` : '/api/resources')),
      );
    });

    it('disables sending for a count outside 1 to 100', async () => {
      httpTesting.expectOne('/api/resources').flush(BODY);
      await flushStorage();
      const input = el().querySelector<HTMLInputElement>('input[type=number]')!;

      input.value = '101';
      input.dispatchEvent(new Event('input'));
      await render();

      expect(buttonNamed('Send 101 requests').disabled).toBeTrue();
    });
  });

  describe('when the user signs out', () => {
    it('clears the tokens and goes to the login page', async () => {
      httpTesting.expectOne('/api/resources').flush(BODY);
      await flushStorage();
      const navigate = spyOn(TestBed.inject(Router), 'navigate').and.resolveTo(true);

      buttonNamed('Sign out').click();
      httpTesting.expectOne(DEFAULT_AUTH_CONFIG.signOutUrl).flush(null, { status: 204, statusText: 'No Content' });
      await flushStorage();

      expect(store.tokens()).toBeNull();
      expect(navigate).toHaveBeenCalledOnceWith(['/login'], { queryParams: {} });
    });
  });
});
