import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (tools/install-browser.sh installs it); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.LIFEBOAT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Chromium, headless, quiet on a closed network: no first-run, sync, component updates or background requests
 * (each would retry refused connections). playwright gives each launch a fresh, throwaway profile directory.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
    ],
  });
}

/** Where screenshots go: test-artifacts/console (gitignored); LIFEBOAT_DOCS_SCREENSHOTS=1 also refreshes docs/images. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = path.resolve(__dirname, '../../test-artifacts/console');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  if (process.env.LIFEBOAT_DOCS_SCREENSHOTS === '1') await page.screenshot({ path: path.resolve(__dirname, `../../docs/images/console-${name}.png`), fullPage: true });
}

/** Signs in on the sign-in page the browser is on (or was sent to), with an API token. */
export async function signInHere(page: Page, token: string): Promise<void> {
  await page.waitForURL(/\/console\/signin/);
  await page.getByLabel('API token').fill(token);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/console/signin')), page.getByRole('button', { name: 'Sign in' }).click()]);
}
