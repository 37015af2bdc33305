// The gateway serves the app under a strict Content-Security-Policy (no
// inline script or style, nothing from other origins). A violation would
// silently break a page, so a walk through the app must log none.
import { expect, test } from '@playwright/test';
import { register, uniqueEmail } from './support/accounts';
import { signIn } from './support/ui';

test('the pages run under the CSP without a violation', async ({ page, request }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto('/sign-in');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");

  const email = uniqueEmail('csp');
  await register(request, email);
  await signIn(page, email);
  for (const path of ['/password', '/sessions', '/sign-up', '/no-such-page']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  expect(violations).toEqual([]);
});
