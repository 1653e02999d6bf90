import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

/** Argon2id and key generation take seconds on a loaded machine. */
export const SLOW = { timeout: 30_000 };

/**
 * The whole page as one tall window (a full-page capture of a scrolled page would draw the fixed
 * header in the middle), after any dialog has finished closing.
 */
export async function snap(page: Page, name: string): Promise<void> {
  await expect(page.locator('.mantine-Modal-overlay')).toHaveCount(0);
  const size = page.viewportSize() ?? { width: 1280, height: 720 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: size.width, height: Math.max(size.height, Math.min(height, 4000)) });
  const path = test.info().outputPath(`${name}.png`);
  await page.screenshot({ path });
  await page.setViewportSize(size);
  await test.info().attach(name, { path, contentType: 'image/png' });
}
