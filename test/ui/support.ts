/**
 * What the dashboard tests share: a built dashboard (dist/ui, built once if missing), a headless
 * Chromium (the machine's, /usr/bin/chromium, driven by playwright-core), and screenshots saved as
 * test artifacts in test-results/ui/ and, with WEIR_UPDATE_DOCS=1, into docs/images/ for the docs.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEIR = join(ROOT, 'bin/weir.js');
const CHROMIUM = process.env.WEIR_CHROMIUM ?? '/usr/bin/chromium';
const RESULTS = join(ROOT, 'test-results/ui');
const DOC_IMAGES = join(ROOT, 'docs/images');

/** Builds dist/ui/ with Vite unless it is there (`npm run test:ui` builds it first anyway). */
export function ensureDashboardBuilt(): void {
  if (existsSync(join(ROOT, 'dist/ui/index.html'))) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'ui/vite.config.ts'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set WEIR_CHROMIUM)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new page of a fresh context (its own session storage), 1280x860, with a default deadline. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

/** Saves a screenshot of the page as test-results/ui/<name>.png (and docs/images/ on request). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  // No focus ring from the test's keyboard steps in the pictures.
  await page.evaluate('document.activeElement instanceof HTMLElement && document.activeElement.blur()');
  await page.screenshot({ path, fullPage: true });
  if (process.env.WEIR_UPDATE_DOCS === '1') {
    mkdirSync(DOC_IMAGES, { recursive: true });
    copyFileSync(path, join(DOC_IMAGES, `${name}.png`));
  }
}

/** The dashboard's address from a `weir: web dashboard at http://...` line, once one is printed. */
export function dashboardUrl(output: string): string | undefined {
  return /weir: web dashboard at (http:\/\/\S+)/.exec(output)?.[1];
}
