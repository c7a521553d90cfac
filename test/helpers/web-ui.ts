// The Temporal Web UI in a real headless browser: Debian's chromium-headless-shell (installed
// by scripts/test.sh) driven by playwright-core, for tests of what a person sees there.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './temp-home';

export const CHROMIUM_PATH = '/usr/bin/chromium-headless-shell';
export const RESULTS_DIR = join(REPO_ROOT, 'results');

export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} is missing: run scripts/test.sh (it installs it)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
}

/** Saves a screenshot under results/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
