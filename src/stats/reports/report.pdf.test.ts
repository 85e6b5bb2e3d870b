import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PdfPrinter } from './report.pdf.ts';

/** A stand-in for Chromium: counts its contexts and says when it was closed or crashed. */
function fakeBrowser() {
  const handlers: (() => void)[] = [];
  const b = {
    contexts: 0,
    openContexts: 0,
    closed: false,
    crash() {
      for (const h of handlers) h();
    },
    on(event: string, h: () => void) {
      if (event === 'disconnected') handlers.push(h);
    },
    async close() {
      b.closed = true;
    },
    async newContext(opts: { offline?: boolean }) {
      expect(opts.offline).toBe(true);
      const n = ++b.contexts;
      b.openContexts++;
      return {
        async newPage() {
          return { async route() {}, async setContent() {}, pdf: async () => Buffer.from(`%PDF-${n}`) };
        },
        async close() {
          b.openContexts--;
        },
      };
    },
  };
  return b;
}

function printer(idleMs: number) {
  const started: ReturnType<typeof fakeBrowser>[] = [];
  const p = new PdfPrinter('/nonexistent/chromium', {
    idleMs,
    launch: async () => {
      const b = fakeBrowser();
      started.push(b);
      return b as unknown as Browser;
    },
  });
  return { p, started };
}

describe('PDF printer: one Chromium kept while reports are printed', () => {
  it('prints several PDFs, at once and in a row, with one Chromium and a context per PDF, closed after each', async () => {
    const { p, started } = printer(60_000);
    expect(p.running).toBe(false);
    const pdfs = await Promise.all([p.print('<p>a</p>'), p.print('<p>b</p>')]);
    await p.print('<p>c</p>');
    expect(pdfs.map(String).sort()).toEqual(['%PDF-1', '%PDF-2']);
    expect(started).toHaveLength(1);
    expect(p.starts).toBe(1);
    expect(started[0]!.contexts).toBe(3);
    expect(started[0]!.openContexts).toBe(0);
    expect(p.running).toBe(true);
    await p.close();
    expect(started[0]!.closed).toBe(true);
    expect(p.running).toBe(false);
    await expect(p.print('<p>d</p>')).rejects.toThrow(/closed/);
  });

  it('closes Chromium once idle and starts a new one for the next PDF', async () => {
    const { p, started } = printer(10);
    await p.print('<p>a</p>');
    await expect.poll(() => started[0]!.closed).toBe(true);
    expect(p.running).toBe(false);
    await p.print('<p>b</p>');
    expect(started).toHaveLength(2);
    expect(started[1]!.closed).toBe(false);
    await p.close();
    expect(started[1]!.closed).toBe(true);
  });

  it('starts Chromium again after it crashed or failed to start', async () => {
    let fail = true;
    const browsers: ReturnType<typeof fakeBrowser>[] = [];
    const p = new PdfPrinter('/nonexistent/chromium', {
      launch: async () => {
        if (fail) throw new Error('no chromium');
        const b = fakeBrowser();
        browsers.push(b);
        return b as unknown as Browser;
      },
    });
    await expect(p.print('<p>a</p>')).rejects.toThrow('no chromium');
    expect(p.running).toBe(false);
    fail = false;
    await p.print('<p>b</p>');
    browsers[0]!.crash();
    expect(p.running).toBe(false);
    await p.print('<p>c</p>');
    expect(browsers).toHaveLength(2);
    expect(p.starts).toBe(3);
    await p.close();
  });
});
