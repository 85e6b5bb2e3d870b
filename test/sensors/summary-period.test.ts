import { describe, expect, it } from 'vitest';
import { lastPeriod } from '../../src/cli/sensor.command.ts';

describe('kessetsu sensor summary: the period a cron run drafts', () => {
  it('is the whole days before the last UTC midnight, whatever the hour of the run', () => {
    expect(lastPeriod(7, Date.parse('2026-12-07T03:00:00Z'))).toEqual({ from: '2026-11-30T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z' });
    expect(lastPeriod(7, Date.parse('2026-12-07T23:59:59.999Z'))).toEqual({ from: '2026-11-30T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z' });
    expect(lastPeriod(1, Date.parse('2026-03-01T00:00:00Z'))).toEqual({ from: '2026-02-28T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' });
  });
});
