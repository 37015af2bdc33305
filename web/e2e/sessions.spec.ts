// My sessions (GraphQL `me { sessions }`), revoking one, and signing out.
import { expect, test } from '@playwright/test';
import { register, uniqueEmail } from './support/accounts';
import { screenshot, signIn } from './support/ui';

test('list sessions, revoke another device, sign out', async ({ page, browser, request }) => {
  const email = uniqueEmail('sessions');
  await register(request, email);
  // Another device: its own browser context, so its own cookie jar.
  const phone = await browser.newContext();
  const phonePage = await phone.newPage();
  await signIn(phonePage, email);
  await signIn(page, email);

  await page.getByRole('link', { name: 'Sessions' }).click();
  const sessions = page.getByTestId('session');
  await expect(sessions).toHaveCount(2);
  // This tab's session is recognised, and offers signing out instead of revoking.
  await expect(page.getByText('This session')).toHaveCount(1);
  await screenshot(page, 'sessions');

  await page.getByRole('button', { name: /^Revoke the session signed in/ }).click();
  await expect(page.getByRole('status')).toContainText('has ended');
  await expect(sessions).toHaveCount(1);

  // The phone's session is gone: on its next start it is signed out.
  await phonePage.reload();
  await expect(phonePage.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await phone.close();

  // Sign out from the header: the cookie is cleared, so a reload stays out.
  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await page.goto('/profile');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
});

test('revoking a session that already ended says so', async ({ page, browser, request }) => {
  const email = uniqueEmail('revoked');
  await register(request, email);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, email);
  await signIn(page, email);
  await page.getByRole('link', { name: 'Sessions' }).click();
  await expect(page.getByTestId('session')).toHaveCount(2);
  // The other device signs out while this list is on screen.
  await otherPage.getByRole('button', { name: 'Sign out' }).click();
  await expect(otherPage.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await other.close();
  await page.getByRole('button', { name: /^Revoke the session signed in/ }).click();
  await expect(page.getByRole('alert')).toHaveText('That session has already ended.');
  await expect(page.getByTestId('session')).toHaveCount(1);
});
