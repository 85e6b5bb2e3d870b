import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { vi } from 'vitest';
import { ensureWebBuilt } from '../../web/ensure-built.ts';
import type { TestHub } from '../support/app.ts';

/** Debian's Chromium, which .ci/run installs. */
export const CHROMIUM = '/usr/bin/chromium';
/**
 * Debian's build of Chromium's headless shell (package chromium-headless-shell), what Playwright itself runs for
 * headless tests: the same Blink and V8 without a browser window's interface, ~1.3 CPU-s less per launch and less
 * for each context. Used when installed, else Chromium (test speed, issue 11.7).
 */
export const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';
/** Screenshots of failed journeys, and of each journey's last screen when asked for (ignored by git). */
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/web');
/**
 * KESSETSU_WEB_SHOTS=1 saves the last screen of each passing journey too, for a person to look at; no test reads
 * them, and each full-page shot costs Chromium ~0.8 CPU-s (a sixth of the journeys' Chromium CPU), so by default
 * only failed journeys are shot (test speed, issue 11.7).
 */
const SHOTS = process.env.KESSETSU_WEB_SHOTS === '1';

/** True when Chromium is installed; under CI=true its absence is an error, never a skip. */
export function hasChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run must install Debian's chromium`);
  console.log(`kessetsu tests: ${CHROMIUM} not found, browser journeys skipped (apt-get install chromium)`);
  return false;
}

/**
 * Playwright's own --disable-features list, read from playwright-core (it is not exported). Chromium keeps only
 * the last --disable-features switch it is given, so ours must carry Playwright's names too.
 */
function playwrightDisabledFeatures(): string[] {
  const bundle = readFileSync(createRequire(import.meta.url).resolve('playwright-core/lib/coreBundle'), 'utf8');
  const names = [...(/\bdisabledFeatures = \[([^\]]*)\]/.exec(bundle)?.[1] ?? '').matchAll(/"(\w+)"/g)].map((m) => m[1]!);
  if (names.length < 5) throw new Error('playwright-core no longer lists its disabledFeatures where test/web/browser.ts reads them: update playwrightDisabledFeatures()');
  return names;
}

// Chromium 156 gives every new browser context (each journey's user) a window whose address bar preloads its
// WebUI popups (chrome://omnibox-popup.top-chrome/) in a renderer of their own: ~1.6 CPU-s per context, a quarter of
// the journeys' Chromium CPU, for a popup no test opens (test speed, issue 11.7).
// And for each new context it starts a spare renderer ahead of a navigation that then takes another one.
const NOT_NEEDED = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'SpareRendererForSitePerProcess'];

// The machine has no network but loopback: every background connection Chromium tries would be refused.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  `--disable-features=${[...playwrightDisabledFeatures(), ...NOT_NEEDED].join(',')}`,
];

/** A headless Chromium on a fresh profile, and the hub's address. */
export interface Browsing {
  readonly browser: Browser;
  readonly base: string;
  /** A new isolated browser (own cookies) with a language and time zone. */
  context(opts?: { locale?: string; timezoneId?: string }): Promise<BrowserContext>;
  /** HTTP errors and page errors seen by every page, for the report of a failed journey. */
  readonly log: string[];
  /** Screenshots of every open page as test-artifacts/web/failed-N.png (after a failure). */
  shotAll(prefix: string): Promise<void>;
  /** Saves a screenshot of the page as test-artifacts/web/NAME.png when KESSETSU_WEB_SHOTS=1. */
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the web app if stale, lets the test hub listen on 127.0.0.1, and starts Chromium.
 * @example const b = await startBrowsing(hub); const page = await (await b.context()).newPage()
 */
export async function startBrowsing(hub: TestHub): Promise<Browsing> {
  await ensureWebBuilt();
  const base = await hub.server.listen({ host: '127.0.0.1', port: 0 });
  // launch() runs Chromium on a new, empty profile (a temporary user-data-dir it removes on close).
  const browser = await chromium.launch({ executablePath: existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
  mkdirSync(ARTIFACTS, { recursive: true });
  // expect.poll waits as long as a page's own actions do (setDefaultTimeout below), not vitest's default 1 s,
  // which a screen's answer on a saturated 2-core machine outlasts; reset when the browser closes.
  vi.setConfig({ expect: { poll: { timeout: 20_000 } } });
  const log: string[] = [];
  const pages: Page[] = [];
  return {
    browser,
    base,
    log,
    async context(opts = {}) {
      const ctx = await browser.newContext({ locale: opts.locale ?? 'en-GB', timezoneId: opts.timezoneId ?? 'Asia/Tokyo', viewport: { width: 1280, height: 900 } });
      ctx.setDefaultTimeout(20_000);
      ctx.on('page', (page) => {
        pages.push(page);
        page.on('response', (r) => {
          if (r.status() >= 400) log.push(`${r.status()} ${r.request().method()} ${r.url()}`);
        });
        page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
      });
      return ctx;
    },
    async shotAll(prefix) {
      let n = 0;
      for (const p of pages) if (!p.isClosed()) await p.screenshot({ path: path.join(ARTIFACTS, `${prefix}-${n++}.png`), fullPage: true }).catch(() => {});
    },
    async shot(page, name) {
      if (SHOTS) await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    async close() {
      vi.resetConfig();
      await browser.close();
    },
  };
}

/** Signs in through the sign-in screen (and the TOTP screen when a code function is given). */
export async function signIn(page: Page, base: string, username: string, password: string, totp?: () => string): Promise<void> {
  await page.goto(base + '/');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('form button[type=submit]').click();
  if (totp) {
    await page.locator('#totp-code').fill(totp());
    await page.locator('form button[type=submit]').click();
  }
  await page.locator('header nav').waitFor();
}

/**
 * Text on screen that is interface, not data: text nodes outside elements marked translate="no",
 * outside script/style, visible. Also placeholders, aria-labels and titles of those elements.
 */
export async function interfaceText(page: Page): Promise<string[]> {
  // A string, not a function: the test code is type-checked without the DOM library.
  return page.evaluate<string[]>(`(() => {
    const out = [];
    const skip = (el) => !!el?.closest('[translate="no"], script, style, noscript, [hidden]');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent?.trim();
      if (!text || skip(n.parentElement)) continue;
      const style = getComputedStyle(n.parentElement);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      out.push(text);
    }
    for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
      if (skip(el)) continue;
      for (const a of ['placeholder', 'aria-label', 'title']) {
        const v = el.getAttribute(a);
        if (v) out.push(v);
      }
    }
    return out;
  })()`);
}

/** Keys i18next was asked for but had no text for, since the page loaded. */
export async function missingKeys(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('[...(window.__kessetsuMissingKeys ?? [])]');
}

/**
 * What a screen fails of the basics of accessibility (issue 13: keyboard usable, labelled controls,
 * readable contrast): controls without a name, images without alt text, text under 4.5:1 (3:1 when
 * large) against its background, no main landmark or no h1. Empty when all hold.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const out = [];
    const shown = (el) => { const s = getComputedStyle(el); return s.display !== 'none' && s.visibility !== 'hidden' && el.getClientRects().length > 0; };
    const named = (el) => !!(el.getAttribute('aria-label')?.trim() || el.getAttribute('aria-labelledby') || el.getAttribute('title')?.trim() || (el.labels && [...el.labels].some((l) => l.textContent.trim())));
    for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) if (shown(el) && !named(el)) out.push('unlabelled ' + el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''));
    for (const el of document.querySelectorAll('button, a[href]')) if (shown(el) && !el.textContent.trim() && !named(el) && !el.querySelector('img[alt]:not([alt=""])')) out.push('nameless ' + el.tagName.toLowerCase());
    for (const el of document.querySelectorAll('img')) if (!el.hasAttribute('alt')) out.push('image without alt: ' + el.src.slice(0, 80));
    if (!document.querySelector('main')) out.push('no main landmark');
    if (!document.querySelector('main h1')) out.push('no h1');
    if (!document.documentElement.lang) out.push('no document language');
    const rgb = (c) => { const m = c.match(/rgba?\\(([\\d.]+),\\s*([\\d.]+),\\s*([\\d.]+)(?:,\\s*([\\d.]+))?/); return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null; };
    const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
    const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c[3] > 0.5) return c; } return [255, 255, 255, 1]; };
    const seen = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || seen.has(el) || !n.textContent.trim() || !shown(el) || el.closest('[disabled], svg, canvas, .sr-only')) continue;
      seen.add(el);
      const s = getComputedStyle(el);
      const fg = rgb(s.color);
      if (!fg) continue;
      const [a, b] = [lum(fg), lum(background(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = parseFloat(s.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) out.push('contrast ' + ratio.toFixed(2) + ':1 for "' + n.textContent.trim().slice(0, 40) + '"');
    }
    return out;
  })()`);
}
