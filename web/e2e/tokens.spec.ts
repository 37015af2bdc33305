// Where the tokens live: the access token in memory only, the refresh token
// in an HttpOnly cookie, and tabs that share the cookie survive each
// other's refreshes (each refresh rotates it).
import { expect, test } from '@playwright/test';
import { register, uniqueEmail } from './support/accounts';
import { signIn } from './support/ui';

test('no token in web storage or in script-readable cookies', async ({ page, context, request }) => {
  const email = uniqueEmail('storage');
  await register(request, email);
  await signIn(page, email);
  await page.reload(); // a refresh happened too
  await expect(page.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();

  const seen = await page.evaluate(() => ({
    local: JSON.stringify(Object.entries(localStorage)),
    session: JSON.stringify(Object.entries(sessionStorage)),
    cookie: document.cookie,
  }));
  expect(seen.local).toBe('[]');
  expect(seen.session).toBe('[]');
  expect(seen.cookie).not.toContain('capstone_refresh');
  expect(seen.cookie).not.toMatch(/eyJ/); // no JWT either

  // The browser does hold the refresh cookie, locked away from scripts.
  const refresh = (await context.cookies()).find((c) => c.name === 'capstone_refresh');
  expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/v1/auth' });
});

test('a reload restores the session silently', async ({ page, request }) => {
  const email = uniqueEmail('reload');
  await register(request, email);
  await signIn(page, email);
  await page.goto('/sessions');
  await expect(page.getByRole('heading', { level: 1, name: 'Your sessions' })).toBeVisible();
  await expect(page.getByText('This session')).toBeVisible();
});

test('a second tab stays signed in after the first one refreshes', async ({ context, request }) => {
  const email = uniqueEmail('tabs');
  await register(request, email);
  const tab1 = await context.newPage();
  await signIn(tab1, email);
  const tab2 = await context.newPage();
  await tab2.goto('/profile'); // restored from the shared cookie
  await expect(tab2.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();

  // Tab 1 refreshes (a reload does): the cookie rotates under tab 2.
  await tab1.reload();
  await expect(tab1.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();

  // Tab 2 goes on working with its access token…
  await tab2.getByRole('link', { name: 'Sessions' }).click();
  await expect(tab2.getByTestId('session')).toHaveCount(1);
  // …and its own next refresh sends the newest cookie.
  await tab2.reload();
  await expect(tab2.getByRole('heading', { level: 1, name: 'Your sessions' })).toBeVisible();

  // Both at the same moment: the refresh lock makes them take turns.
  await Promise.all([tab1.reload(), tab2.reload()]);
  await expect(tab1.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();
  await expect(tab2.getByRole('heading', { level: 1, name: 'Your sessions' })).toBeVisible();
  await tab2.getByRole('link', { name: 'Profile' }).click();
  await expect(tab2.getByTestId('profile-name')).toBeVisible();
});

test('the access token is refreshed a minute before it expires', async ({ page, request }) => {
  const email = uniqueEmail('timer');
  await register(request, email);
  await page.clock.install(); // the page's timers, under the test's control
  await signIn(page, email);
  // expires_in is 900 s: the refresh is due at 840 s, not before.
  const refreshed = page.waitForRequest((r) => r.url().endsWith('/api/v1/auth/refresh'));
  await page.clock.fastForward('13:30');
  let early = false;
  void refreshed.then(() => { early = true; });
  await page.waitForTimeout(300);
  expect(early).toBe(false);
  await page.clock.fastForward('01:00');
  const request1 = await refreshed;
  expect(request1.headers()['x-refresh-token-transport']).toBe('cookie');
  expect((await request1.response())?.status()).toBe(200);
});

test('a refused access token gets one silent refresh and a retry', async ({ page, request }) => {
  const email = uniqueEmail('retry');
  await register(request, email);
  await signIn(page, email);
  // The profile's own query has finished: only the Sessions page's calls
  // meet the route below (under load, the heading can show before the
  // profile's query is even sent).
  await expect(page.getByTestId('profile-name')).toBeVisible();
  // The next MySessions call is answered 401, as for an expired token.
  let sessionCalls = 0;
  await page.route('**/graphql', async (route) => {
    if (!route.request().postData()?.includes('MySessions')) {
      await route.continue();
    } else if (sessionCalls++ === 0) {
      await route.fulfill({
        status: 401,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401 }),
      });
    } else {
      await route.continue();
    }
  });
  const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'));
  await page.getByRole('link', { name: 'Sessions' }).click();
  expect((await refreshed).status()).toBe(200);
  await expect(page.getByTestId('session')).toHaveCount(1);
  expect(sessionCalls).toBe(2); // refused once, retried once
});
