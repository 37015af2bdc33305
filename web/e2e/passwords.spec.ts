// Forgot password (email link, new password) and change password (signed in).
import { expect, test } from '@playwright/test';
import { PASSWORD, register, uniqueEmail } from './support/accounts';
import { waitForLink } from './support/emails';
import { signIn } from './support/ui';

test('forgot password: the emailed link sets a new one, once', async ({ page, request }) => {
  const email = uniqueEmail('forgot');
  await register(request, email);
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();

  const link = await waitForLink(email, 'reset-password');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  // The policy is checked on the field first.
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByLabel('New password', { exact: true })).toHaveAccessibleDescription(/8 to 128 characters/);

  const newPassword = 'a brand new passphrase';
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('status')).toHaveText('Your password is changed. Sign in with the new one.');
  await signIn(page, email, newPassword);

  // The same link again: it worked once, and only once.
  await page.goto(link);
  await page.getByLabel('New password', { exact: true }).fill('yet another passphrase');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('alert')).toContainText('invalid, has expired or was already used');
});

test('change password: a wrong current password, then the right one', async ({ page, request }) => {
  const email = uniqueEmail('change');
  await register(request, email);
  await signIn(page, email);
  await page.getByRole('link', { name: 'Password' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Change your password' })).toBeVisible();

  await page.getByLabel('Current password', { exact: true }).fill('not my password');
  await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('alert')).toHaveText('Your current password is not right; nothing was changed.');
  await expect(page.getByLabel('Current password', { exact: true })).toHaveAccessibleDescription('This is not your current password.');

  await page.getByLabel('Current password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password is changed');

  // Still signed in after a reload: the new refresh token is in the cookie.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Change your password' })).toBeVisible();
  // As a person would: wait until signed out (the app shows the sign-in
  // page once the logout has ended the session and cleared the cookie).
  // Navigating at once could cancel the logout, and the still-valid cookie
  // would sign the next page straight back in.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await signIn(page, email, 'a brand new passphrase');
});
