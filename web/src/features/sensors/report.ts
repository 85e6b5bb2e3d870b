/** One ranked key of a report (a source, port, country or AS) with its count and share. */
export interface Ranked {
  readonly key: string;
  readonly count: number;
  readonly share: number;
  readonly name?: string | null;
}

/** GET /api/v1/observations and /api/v1/sensors/{id}/stats (issue 14). */
export interface ObservationReport {
  readonly window: { from: string; to: string; resolution: string };
  readonly totals: { packets: number; bytes: number; unique_sources: number; approximate: boolean };
  readonly series: readonly { time: string; packets: number; unique_sources: number }[];
  readonly top: Readonly<Record<string, readonly Ranked[]>>;
  readonly heatmap: { ports: readonly string[]; times: readonly string[]; counts: readonly (readonly number[])[] };
}
