// Sign up, verify the address from the email, sign in: the first journey.
import { expect, test } from '@playwright/test';
import { PASSWORD, uniqueEmail } from './support/accounts';
import { waitForLink } from './support/emails';
import { screenshot } from './support/ui';

test('sign up, verify the email link, sign in', async ({ page }) => {
  const email = uniqueEmail('signup');
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Display name').fill('Ada Lovelace');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText(email);

  const link = await waitForLink(email, 'verify-email');
  await page.goto(link);
  await expect(page.getByRole('status')).toHaveText('Your email address is verified. Thank you!');
  // The token is a credential: it does not stay in the address bar.
  expect(page.url()).not.toContain('token=');

  await page.getByRole('link', { name: 'Sign in' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await screenshot(page, 'sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();
  await expect(page.getByTestId('profile-name')).toHaveText('Ada Lovelace');
  await expect(page.getByText(/^Yes, on /)).toBeVisible();
});

test('sign-up errors appear next to the fields they concern', async ({ page }) => {
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill('not-an-address');
  await page.getByLabel('Display name').fill('   ');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('alert')).toHaveText('Some fields need your attention.');
  const emailInput = page.getByLabel('Email');
  await expect(emailInput).toHaveAttribute('aria-invalid', 'true');
  await expect(emailInput).toHaveAccessibleDescription(/valid email address/);
  await expect(page.getByLabel('Display name')).toHaveAccessibleDescription(/1 to 64 characters/);
  await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/8 to 128 characters/);
});

test('a password that is the email address is refused on its field', async ({ page }) => {
  const email = uniqueEmail('same');
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Display name').fill('Same');
  await page.getByLabel('Password').fill(email);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/must not be your email address/);
});

test('a forged or used verify link says so', async ({ page }) => {
  await page.goto('/verify-email?token=not-a-real-token');
  await expect(page.getByRole('alert')).toContainText('invalid, has expired or was already used');
});

test('a wrong password says so without saying which field is wrong', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(uniqueEmail('nobody'));
  await page.getByLabel('Password', { exact: true }).fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or the password is wrong. Check both and try again.');
});
