import { accountFreezes, frozenAmounts, takedownMedianTime, takedownRate, takedowns } from './actions.provider.ts';
import { alertsDelivered } from './alerts.provider.ts';
import { hotlineDeletionRate, hotlineRemovals, hotlineReports } from './hotline.provider.ts';
import { contributionsBySector } from './contributions.provider.ts';
import { indicatorsByType } from './indicators.provider.ts';
import type { PlatformProvider } from './provider.ts';
import { sensorAccesses } from './sensors.provider.ts';

// The one place platform series are registered. Each area's series is added here when its source
// lands on main: takedown rate and median time, account freezes (actions, issue 12: registered), hotline
// reports by category and deletion rate (issue 15: registered), sensor accesses per sensor per day (issue 14: registered).

/** Every platform series, in the order lists and reports show them. */
export const PLATFORM_PROVIDERS: readonly PlatformProvider[] = [
  contributionsBySector,
  indicatorsByType,
  alertsDelivered,
  takedowns, // actions (issue 12)
  takedownRate, // actions (issue 12)
  takedownMedianTime, // actions (issue 12)
  accountFreezes, // actions (issue 12)
  frozenAmounts, // actions (issue 12)
  hotlineReports, // hotline (issue 15)
  hotlineRemovals, // hotline (issue 15)
  hotlineDeletionRate, // hotline (issue 15)
  sensorAccesses, // sensors (issue 14)
];

/** Series ids of platform series start with this. */
export const PLATFORM_PREFIX = 'platform.';

/** The provider of a platform series id ("platform.contributions_by_sector"), if any. */
export function providerOf(id: string, providers: readonly PlatformProvider[] = PLATFORM_PROVIDERS): PlatformProvider | undefined {
  if (!id.startsWith(PLATFORM_PREFIX)) return undefined;
  const key = id.slice(PLATFORM_PREFIX.length);
  return providers.find((p) => p.key === key);
}

/** Series the issue asks for whose source areas register them here when they land (reports name the missing ones). */
export const EXPECTED_SERIES: readonly { readonly key: string; readonly en: string; readonly ja: string }[] = [
  { key: 'takedowns', en: 'Takedown rate and median time to takedown', ja: 'テイクダウン率と所要時間の中央値' },
  { key: 'account_freezes', en: 'Account freezes', ja: '口座凍結件数' },
  { key: 'hotline_reports', en: 'Hotline reports by category and deletion rate', ja: 'ホットライン通報の分類別件数と削除率' },
  { key: 'sensor_accesses', en: 'Sensor accesses per sensor per day', ja: 'センサー1台・1日当たりのアクセス件数' },
];
