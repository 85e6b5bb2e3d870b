import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// PDF printed by the machine's headless Chromium (Debian's chromium package) through playwright-core:
// no browser is downloaded; without Chromium, reports are HTML only. Flags keep Chromium off the
// network (the page is self-contained) and a fresh profile keeps runs independent.

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Where Chromium is, if it is there. */
export function findChromium(given: string | undefined): string | undefined {
  const candidates = given ? [given] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p) => existsSync(p));
}

/**
 * Prints a self-contained HTML page to an A4 PDF.
 * @example const pdf = await htmlToPdf(html, '/usr/bin/chromium')
 */
export async function htmlToPdf(html: string, executablePath: string, timeoutMs = 60_000): Promise<Buffer> {
  // Loaded when a PDF is asked for: a hub that never prints does not pay for it at start.
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS, timeout: timeoutMs, offline: true });
  try {
    const page = await browser.newPage();
    // Nothing leaves the page: the report has no external resources, and any request is refused.
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
    return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '0', bottom: '0', left: '0', right: '0' }, preferCSSPageSize: true });
  } finally {
    await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}
