import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

// PDF printed by the machine's headless Chromium (Debian's chromium package) through playwright-core:
// no browser is downloaded; without Chromium, reports are HTML only. Flags keep Chromium off the
// network (the page is self-contained); each report gets a new browser context (its own cookies,
// storage and cache, offline), so reports stay independent while one Chromium serves them all.

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Where Chromium is, if it is there. */
export function findChromium(given: string | undefined): string | undefined {
  const candidates = given ? [given] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p) => existsSync(p));
}

async function launchChromium(executablePath: string, timeoutMs: number): Promise<Browser> {
  // Loaded when a PDF is asked for: a hub that never prints does not pay for it at start.
  const { chromium } = await import('playwright-core');
  // launch() runs Chromium on a new temporary profile that it removes on close.
  return chromium.launch({ executablePath, headless: true, args: FLAGS, timeout: timeoutMs });
}

/**
 * Prints self-contained HTML pages to A4 PDFs with one Chromium, started on the first PDF and kept while
 * reports are made: the schedule prints a period's reports in both languages in a row, and a Chromium
 * start costs more CPU than a page. It is closed after `idleMs` without a PDF, and by close().
 * @example const printer = new PdfPrinter('/usr/bin/chromium'); const pdf = await printer.print(html); await printer.close()
 */
export class PdfPrinter {
  readonly #executablePath: string;
  readonly #idleMs: number;
  readonly #start: (executablePath: string, timeoutMs: number) => Promise<Browser>;
  #starts = 0;
  #browser: Promise<Browser> | null = null;
  #busy = 0;
  #idle: NodeJS.Timeout | null = null;
  #closed = false;

  /** `launch` replaces the Chromium start (tests of the keeping and closing). */
  constructor(executablePath: string, o: { idleMs?: number; launch?: (executablePath: string, timeoutMs: number) => Promise<Browser> } = {}) {
    this.#executablePath = executablePath;
    this.#idleMs = o.idleMs ?? 60_000;
    this.#start = o.launch ?? launchChromium;
  }

  /** Whether a Chromium is running or starting. */
  get running(): boolean {
    return this.#browser !== null;
  }

  /** How many times Chromium was started. */
  get starts(): number {
    return this.#starts;
  }

  /** Prints a page to an A4 PDF; a new context per page, nothing fetched from outside the page. */
  async print(html: string, timeoutMs = 60_000): Promise<Buffer> {
    if (this.#closed) throw new Error('the PDF printer is closed');
    this.#busy++;
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    try {
      const browser = await this.#launch(timeoutMs);
      const context = await browser.newContext({ offline: true });
      try {
        const page = await context.newPage();
        // Nothing leaves the page: the report has no external resources, and any request is refused.
        await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
        await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
        return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '0', bottom: '0', left: '0', right: '0' }, preferCSSPageSize: true });
      } finally {
        await context.close().catch(() => {});
      }
    } finally {
      this.#busy--;
      if (this.#busy === 0 && !this.#closed) {
        this.#idle = setTimeout(() => void this.#shut(), this.#idleMs);
        this.#idle.unref();
      }
    }
  }

  /** Closes Chromium (if running); later prints are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    await this.#shut();
  }

  #launch(timeoutMs: number): Promise<Browser> {
    if (this.#browser) return this.#browser;
    this.#starts++;
    const started = (async () => {
      const browser = await this.#start(this.#executablePath, timeoutMs);
      // A Chromium that crashed or was killed is started again on the next PDF.
      browser.on('disconnected', () => {
        if (this.#browser === started) this.#browser = null;
      });
      return browser;
    })();
    this.#browser = started;
    // A failed start is not kept: the next PDF tries again.
    started.catch(() => {
      if (this.#browser === started) this.#browser = null;
    });
    return started;
  }

  async #shut(): Promise<void> {
    const b = this.#browser;
    this.#browser = null;
    if (!b) return;
    const browser = await b.catch(() => null);
    await browser?.close().catch(() => {});
  }
}
