import { existsSync } from 'node:fs';
import { skipUnless } from '@honnin/runtime/testing';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser).
 * Tests that need it skip with a reason when it is missing (fail in CI).
 */
export const CHROMIUM = process.env.HONNIN_CHROMIUM ?? '/usr/bin/chromium';
export const browserSkip = (): string | undefined =>
  skipUnless(
    existsSync(CHROMIUM),
    `browser: ${CHROMIUM} not installed (apt-get install chromium fonts-noto-cjk)`,
  );

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** A phone-sized context (the citizen's app is mobile web). */
export async function phoneContext(browser: Browser, locale = 'ja-JP'): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale,
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36',
  });
}

export async function pcContext(browser: Browser, locale = 'ja-JP'): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
}
