/** Latency buckets in seconds, Prometheus-style. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

function esc(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** In-process counters and histograms rendered in the Prometheus text format. */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  readonly #counters = new Map<string, { help: string; data: boolean; values: Map<string, number> }>();

  /** Counts one HTTP request and its duration. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    const hkey = `method="${esc(method)}",route="${esc(route)}"`;
    let h = this.#latency.get(hkey);
    if (!h) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#latency.set(hkey, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /**
   * Adds to a named counter with labels, declaring it on first use. A counter of shared data (objects,
   * contributions, organisations…) says so with `data: true`: it is shown only to the hub.
   */
  inc(name: string, help: string, labels: Readonly<Record<string, string>> = {}, by = 1, opts: { data?: boolean } = {}): void {
    let c = this.#counters.get(name);
    if (!c) {
      c = { help, data: opts.data ?? false, values: new Map() };
      this.#counters.set(name, c);
    }
    const key = Object.entries(labels)
      .map(([k, v]) => `${k}="${esc(v)}"`)
      .join(',');
    c.values.set(key, (c.values.get(key) ?? 0) + by);
  }

  /** The exposition text for /metrics; without `data`, counters of shared data are left out (issue 10.9). */
  render(opts: { data?: boolean } = {}): string {
    const out: string[] = [];
    out.push('# HELP kessetsu_http_requests_total HTTP requests by route and status.', '# TYPE kessetsu_http_requests_total counter');
    for (const [k, v] of this.#requests) out.push(`kessetsu_http_requests_total{${k}} ${v}`);
    out.push('# HELP kessetsu_http_request_duration_seconds HTTP request latency.', '# TYPE kessetsu_http_request_duration_seconds histogram');
    for (const [k, h] of this.#latency) {
      BUCKETS.forEach((b, i) => out.push(`kessetsu_http_request_duration_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`));
      out.push(`kessetsu_http_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      out.push(`kessetsu_http_request_duration_seconds_sum{${k}} ${h.sum}`);
      out.push(`kessetsu_http_request_duration_seconds_count{${k}} ${h.count}`);
    }
    for (const [name, c] of this.#counters) {
      if (c.data && !opts.data) continue;
      out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [k, v] of c.values) out.push(k ? `${name}{${k}} ${v}` : `${name} ${v}`);
    }
    const mem = process.memoryUsage();
    out.push('# HELP process_resident_memory_bytes Resident memory size in bytes.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`);
    return out.join('\n') + '\n';
  }
}
