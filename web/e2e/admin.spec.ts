// The admin's users table: filters, cursor paging, a role change per row.
import { expect, test } from '@playwright/test';
import { makeAdmin, register, uniqueEmail } from './support/accounts';
import { screenshot, signIn } from './support/ui';

test('filter, page through and change roles', async ({ page, request }) => {
  const admin = uniqueEmail('admin');
  await register(request, admin, 'Admin Person');
  makeAdmin(admin);
  // Six users under one prefix: two pages of five.
  const prefix = `e2e-page-${Date.now().toString(36)}`;
  const users = Array.from({ length: 6 }, (_, i) => `${prefix}-${String(i)}@example.com`);
  for (const [i, email] of users.entries()) await register(request, email, `Paged ${String(i)}`);

  await signIn(page, admin);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await expect(page.getByTestId('user-row').first()).toBeVisible();

  await page.getByLabel('Email starts with').fill(prefix);
  await page.getByLabel('Per page').selectOption('5');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const rows = page.getByTestId('user-row');
  await expect(rows).toHaveCount(5);
  // Newest first: the last one registered leads.
  await expect(rows.first()).toContainText(users[5] ?? '');
  await screenshot(page, 'admin-users');

  await page.getByRole('button', { name: 'Next' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(users[0] ?? '');
  await expect(page.getByRole('button', { name: 'Next' })).toBeDisabled();
  await page.getByRole('button', { name: 'Previous' }).click();
  await expect(rows).toHaveCount(5);
  await expect(page.getByRole('button', { name: 'Previous' })).toBeDisabled();

  // Promote one, then find them with the role filter.
  const promoted = users[3] ?? '';
  await page.getByRole('button', { name: `Make admin: ${promoted}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is now' })).toHaveText(`${promoted} is now an admin.`);
  await page.getByLabel('Role').selectOption('ADMIN');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(promoted);
  await page.getByRole('button', { name: `Make user: ${promoted}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is now' })).toHaveText(`${promoted} is now a user.`);
  await expect(page.getByText('No users match.')).toBeVisible();

  // Nobody demotes themselves: the server refuses, the page says why.
  await page.getByLabel('Email starts with').fill(admin);
  await page.getByLabel('Role').selectOption('');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(rows).toHaveCount(1);
  await page.getByRole('button', { name: `Make user: ${admin}` }).click();
  await expect(page.getByRole('alert')).toHaveText('You cannot change your own role: ask another admin.');
});

test('a user who is not an admin is told, not shown the table', async ({ page, request }) => {
  const email = uniqueEmail('notadmin');
  await register(request, email);
  await signIn(page, email);
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await page.goto('/admin/users');
  await expect(page.getByRole('alert')).toHaveText('You are not allowed to do that.');
});
