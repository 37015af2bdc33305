// End-to-end tests against a real running system (scripts/web.sh e2e starts
// one): CAPSTONE_WEB_BASE_URL is the gateway serving this app,
// CAPSTONE_EMAIL_DIR the worker's email sink. The browser is Debian's
// Chromium: Playwright never downloads one here.
import { defineConfig, devices } from '@playwright/test';

const baseURL = process.env.CAPSTONE_WEB_BASE_URL ?? 'http://localhost:8080';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // Two cores: the system under test needs one.
  workers: 2,
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: process.env.CAPSTONE_CHROMIUM ?? '/usr/bin/chromium' },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], viewport: { width: 1280, height: 800 } } }],
});
