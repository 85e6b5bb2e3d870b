import type { ObservationReport, Ranked } from './observations.service.ts';

/** Detections of the window, as the summary tells them: trends by port, the rest counted. */
export interface SummaryDetections {
  readonly surges: readonly { readonly port: string; readonly time: string }[];
  readonly emerging: readonly { readonly port: string; readonly time: string }[];
  readonly dosVictims: number;
  readonly scanners: number;
  readonly downloads: number;
}

/** The text of an observation summary advisory, in Japanese and English (Markdown). */
export interface SummaryText {
  readonly title_ja: string;
  readonly title_en: string;
  readonly body_ja: string;
  readonly body_en: string;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const day = (iso: string): string => iso.slice(0, 10);

function table(rows: readonly Ranked[], head: readonly [string, string, string], label: (r: Ranked) => string): string {
  if (!rows.length) return '';
  const lines = [`| ${head.join(' | ')} |`, '|---|---:|---:|', ...rows.map((r) => `| ${label(r)} | ${fmt(r.count)} | ${pct(r.share)} |`)];
  return lines.join('\n');
}

function country(r: Ranked): string {
  return r.key === '??' ? 'unknown' : r.key;
}

function asn(r: Ranked): string {
  return r.key === '0' ? 'unknown' : `AS${r.key}${r.name ? ` ${r.name}` : ''}`;
}

/**
 * Writes the periodic observation summary (as the police publish their Internet observation
 * results): accesses and distinct sources, accesses per sensor per day, top destination ports,
 * source countries and networks, and what was detected, without a single source or victim address.
 */
export function summaryText(r: ObservationReport, d: SummaryDetections, sensorCount: number): SummaryText {
  const from = day(r.window.from);
  const to = day(new Date(Date.parse(r.window.to) - 1).toISOString());
  const period = from === to ? from : `${from} – ${to}`;
  const perSensorDay = r.totals.sensor_days ? Math.round(r.totals.packets / r.totals.sensor_days) : 0;
  const ports = r.top.ports ?? [];
  const countries = r.top.countries ?? [];
  const asns = r.top.asns ?? [];
  const approx = r.totals.approximate ? ' (estimated)' : '';
  const en = [
    `Kessetsu sensors (${sensorCount}) recorded **${fmt(r.totals.packets)} accesses** from **${fmt(r.totals.unique_sources)} distinct source addresses**${approx} between ${r.window.from} and ${r.window.to}, or ${fmt(perSensorDay)} accesses per sensor per day.`,
    ports.length ? `## Destination ports\n\n${table(ports, ['port', 'accesses', 'share'], (x) => x.key)}` : '',
    countries.length ? `## Source countries and regions\n\n${table(countries, ['country', 'accesses', 'share'], country)}` : '',
    asns.length ? `## Source networks\n\n${table(asns, ['network', 'accesses', 'share'], asn)}` : '',
    '## Detected',
    [
      d.surges.length ? `- Surges of scanning on ${[...new Set(d.surges.map((s) => s.port))].join(', ')}` : '- No surge of scanning against a port\'s usual level',
      d.emerging.length ? `- Ports newly targeted by many sources at once (botnet spreading): ${[...new Set(d.emerging.map((s) => s.port))].join(', ')}` : '- No port newly targeted by many sources',
      `- DoS attacks inferred from backscatter: ${fmt(d.dosVictims)} victim address(es)`,
      `- Scanning sources: ${fmt(d.scanners)}; files downloaded into honeypots: ${fmt(d.downloads)}`,
    ].join('\n'),
  ].filter(Boolean);
  const ja = [
    `結節センサー（${sensorCount}台）は ${r.window.from} から ${r.window.to} までに、**${fmt(r.totals.unique_sources)} の送信元アドレス**${r.totals.approximate ? '（推定）' : ''}から **${fmt(r.totals.packets)} 件のアクセス**を観測しました（1センサー・1日当たり ${fmt(perSensorDay)} 件）。`,
    ports.length ? `## 宛先ポート\n\n${table(ports, ['ポート', '件数', '割合'], (x) => x.key)}` : '',
    countries.length ? `## 送信元の国・地域\n\n${table(countries, ['国・地域', '件数', '割合'], (x) => (x.key === '??' ? '不明' : x.key))}` : '',
    asns.length ? `## 送信元ネットワーク\n\n${table(asns, ['ネットワーク', '件数', '割合'], (x) => (x.key === '0' ? '不明' : asn(x)))}` : '',
    '## 検知',
    [
      d.surges.length ? `- 探索行為の急増：${[...new Set(d.surges.map((s) => s.port))].join('、')}` : '- 平常時を大きく超える探索行為の急増はありませんでした',
      d.emerging.length ? `- 多数の送信元から新たに狙われたポート（ボットネットの拡散）：${[...new Set(d.emerging.map((s) => s.port))].join('、')}` : '- 多数の送信元から新たに狙われたポートはありませんでした',
      `- バックスキャッタから推定した DoS 攻撃の被害アドレス：${fmt(d.dosVictims)} 件`,
      `- 探索元：${fmt(d.scanners)} 件、ハニーポットでダウンロードされたファイル：${fmt(d.downloads)} 件`,
    ].join('\n'),
  ].filter(Boolean);
  return {
    title_en: `Internet observation summary, ${period}`,
    title_ja: `インターネット観測結果（${period}）`,
    body_en: en.join('\n\n'),
    body_ja: ja.join('\n\n'),
  };
}
