// The profile (GraphQL `me`) and editing the display name (`updateMe`).
import { expect, test } from '@playwright/test';
import { register, uniqueEmail } from './support/accounts';
import { screenshot, signIn } from './support/ui';

test('edit the display name', async ({ page, request }) => {
  const email = uniqueEmail('profile');
  await register(request, email, 'Grace Hopper');
  await signIn(page, email);
  await expect(page.getByTestId('profile-name')).toHaveText('Grace Hopper');
  await expect(page.getByText(email)).toBeVisible();
  await screenshot(page, 'profile');

  await page.getByLabel('Display name').fill('');
  await page.getByLabel('Display name').fill('   ');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByLabel('Display name')).toHaveAccessibleDescription(/1 to 64 characters/);

  await page.getByLabel('Display name').fill('Rear Admiral Hopper');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('status')).toHaveText('Your display name is saved.');
  await expect(page.getByTestId('profile-name')).toHaveText('Rear Admiral Hopper');
  await page.reload();
  await expect(page.getByTestId('profile-name')).toHaveText('Rear Admiral Hopper');
});

test('the profile at 375 px: no sideways scrolling, everything reachable', async ({ page, request }) => {
  const email = uniqueEmail('narrow');
  await register(request, email, 'Katherine Johnson');
  await page.setViewportSize({ width: 375, height: 740 });
  await signIn(page, email);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await expect(page.getByRole('button', { name: 'Save name' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await screenshot(page, 'profile-375px');
});

test('keyboard only: sign in and reach the profile form', async ({ page, request }) => {
  const email = uniqueEmail('keys');
  await register(request, email);
  await page.goto('/sign-in');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.getByLabel('Email').focus();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  await page.keyboard.type('correct horse battery staple');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Your profile' })).toBeVisible();
});
