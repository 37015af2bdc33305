// Accounts for tests: unique addresses (so tests never share state and can
// run in any order, in parallel, again and again on the same database),
// made through the API when the UI journey is not what the test is about.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';

export const PASSWORD = 'correct horse battery staple';

export function uniqueEmail(tag: string): string {
  return `e2e-${tag}-${randomUUID().slice(0, 8)}@example.com`;
}

export async function register(
  request: APIRequestContext,
  email: string,
  displayName = 'Test User',
  password = PASSWORD,
): Promise<void> {
  const response = await request.post('/api/v1/auth/register', {
    data: { email, password, display_name: displayName },
  });
  if (response.status() !== 202) throw new Error(`register ${email}: HTTP ${response.status()}`);
}

/**
 * Makes `email` an admin the only way there is: `capstone seed --admin`,
 * run with the same settings (env) as the system under test.
 */
export function makeAdmin(email: string): void {
  const bin = process.env.CAPSTONE_BIN;
  if (!bin) throw new Error('CAPSTONE_BIN must name the capstone binary (scripts/web.sh e2e sets it)');
  execFileSync(bin, ['seed', '--admin', email], { stdio: 'pipe' });
}
