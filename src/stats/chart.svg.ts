import { formatNumber } from './change.phrase.ts';

// Charts as inline SVG, generated here so reports need no browser script and no network: a line chart
// for trends over periods and a horizontal bar chart for one period's categories. Deterministic output
// (same data, same bytes), text escaped.

/** One line of a line chart. */
export interface ChartLine {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

const PALETTE = ['#1f5fa8', '#d9534f', '#2e8b57', '#e69f00', '#6a3d9a', '#17a2b8', '#8c564b', '#7f7f7f'];
const FONT = `font-family="'IPAPGothic','IPAGothic','Noto Sans CJK JP',sans-serif"`;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= v) return m * mag;
  return 10 * mag;
}

function compact(n: number): string {
  if (Math.abs(n) >= 1e9) return `${formatNumber(n / 1e9)}B`;
  if (Math.abs(n) >= 1e6) return `${formatNumber(n / 1e6)}M`;
  if (Math.abs(n) >= 1e4) return `${formatNumber(n / 1e3)}k`;
  return formatNumber(n);
}

/**
 * A line chart of values over periods, one line per label, with axes, grid and legend.
 * @example lineChart({ title: 'Arrests', periods: ['2014', '2015'], lines: [{ label: 'Total', values: [7905, 8096] }] })
 */
export function lineChart(o: { title: string; periods: readonly string[]; lines: readonly ChartLine[]; width?: number; height?: number }): string {
  const w = o.width ?? 640;
  const h = o.height ?? 300;
  const lines = o.lines.slice(0, PALETTE.length);
  const legendRows = Math.ceil(lines.length / 3);
  const pad = { l: 56, r: 16, t: 34, b: 34 + legendRows * 16 };
  const iw = w - pad.l - pad.r;
  const ih = h - pad.t - pad.b;
  const all = lines.flatMap((l) => l.values.filter((v): v is number => v !== null));
  const max = niceMax(Math.max(0, ...all));
  const n = o.periods.length;
  const x = (i: number): number => pad.l + (n <= 1 ? iw / 2 : (i * iw) / (n - 1));
  const y = (v: number): number => pad.t + ih - (v / max) * ih;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(o.title)}" ${FONT} font-size="11">`];
  parts.push(`<text x="${w / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(`<line x1="${pad.l}" x2="${w - pad.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${pad.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(compact(v))}</text>`);
  }
  const every = Math.max(1, Math.ceil(n / 12));
  o.periods.forEach((p, i) => {
    if (i % every === 0 || i === n - 1) parts.push(`<text x="${x(i).toFixed(1)}" y="${pad.t + ih + 16}" text-anchor="middle">${esc(p)}</text>`);
  });
  parts.push(`<line x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${pad.t + ih}" stroke="#333"/><line x1="${pad.l}" x2="${w - pad.r}" y1="${pad.t + ih}" y2="${pad.t + ih}" stroke="#333"/>`);
  lines.forEach((l, li) => {
    const color = PALETTE[li]!;
    const pts = l.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`));
    const segments: string[][] = [[]];
    for (const p of pts) {
      if (p === null) segments.push([]);
      else segments[segments.length - 1]!.push(p);
    }
    for (const seg of segments) if (seg.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${seg.join(' ')}"/>`);
    pts.forEach((p) => {
      if (p) parts.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5" fill="${color}"/>`);
    });
    const lx = pad.l + (li % 3) * (iw / 3);
    const ly = h - pad.b + 30 + Math.floor(li / 3) * 16;
    parts.push(`<rect x="${lx.toFixed(1)}" y="${ly - 9}" width="10" height="10" fill="${color}"/><text x="${(lx + 14).toFixed(1)}" y="${ly}">${esc(l.label.slice(0, 40))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * A horizontal bar chart of labelled values, largest first as given.
 * @example barChart({ title: 'Indicators by type', bars: [{ label: 'URLs', value: 12 }] })
 */
export function barChart(o: { title: string; bars: readonly { label: string; value: number }[]; width?: number }): string {
  const w = o.width ?? 640;
  const bars = o.bars.slice(0, 15);
  const rowH = 22;
  const pad = { l: 200, r: 70, t: 34, b: 10 };
  const h = pad.t + pad.b + Math.max(1, bars.length) * rowH;
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const iw = w - pad.l - pad.r;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(o.title)}" ${FONT} font-size="11">`];
  parts.push(`<text x="${w / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`);
  bars.forEach((b, i) => {
    const yy = pad.t + i * rowH;
    const bw = Math.max(0, (b.value / max) * iw);
    parts.push(`<text x="${pad.l - 6}" y="${yy + 14}" text-anchor="end">${esc(b.label.slice(0, 32))}</text>`);
    parts.push(`<rect x="${pad.l}" y="${yy + 3}" width="${bw.toFixed(1)}" height="${rowH - 6}" fill="${PALETTE[0]}"/>`);
    parts.push(`<text x="${(pad.l + bw + 4).toFixed(1)}" y="${yy + 14}">${esc(formatNumber(b.value))}</text>`);
  });
  if (bars.length === 0) parts.push(`<text x="${w / 2}" y="${pad.t + 14}" text-anchor="middle" fill="#777">—</text>`);
  parts.push('</svg>');
  return parts.join('');
}
