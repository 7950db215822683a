/**
 * A real browser for UI tests: Debian's Chromium driven by playwright-core (no browser download).
 * Screenshots of the main pages go to test-results/screenshots/ as artifacts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve('test-results', 'screenshots');

/** Given nothing, returns a headless Chromium (flags keep it off the closed network). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const PHONE = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' } as const;
export const OFFICE = { viewport: { width: 1366, height: 768 }, locale: 'zh-CN' } as const;

/**
 * Given a browser and a base URL, returns a fresh context (own cookies) on a phone or office screen. It asks
 * for reduced motion, which the app honours by switching antd's animations off: under load a click on a
 * dialog still zooming in could land beside its target (on the mask, closing it) or a dropdown could close
 * while it moved — failures of the test, not of the product.
 */
export async function newContext(browser: Browser, base: string, screen: 'phone' | 'office'): Promise<BrowserContext> {
  return browser.newContext({ ...(screen === 'phone' ? PHONE : OFFICE), baseURL: base, timezoneId: 'Asia/Shanghai', reducedMotion: 'reduce' });
}

/** Given a page and a name, saves a full-page screenshot as a test artifact; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
