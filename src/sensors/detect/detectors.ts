import type { MinuteBucket, Tracked } from '../aggregate/minute.bucket.ts';
import { memberText, portName } from '../aggregate/minute.rows.ts';
import type { Member } from '../aggregate/distinct.sketch.ts';
import { Ewma } from './ewma.ts';

/** What the detectors found in a minute of a sensor. */
export type DetectionKind = 'port_surge' | 'port_emerging' | 'backscatter' | 'scanner' | 'download';

/** One finding: of what kind, about what (a port, an address, a URL), how strong, and the facts. */
export interface Detection {
  readonly kind: DetectionKind;
  readonly sensorId: string;
  /** The minute it was seen in, epoch ms. */
  readonly minute: number;
  /** "tcp/445", "198.51.100.9", "http://…", "sha256:…". */
  readonly subject: string;
  readonly score: number;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Thresholds of the detectors; each has a default tuned on the scenarios of the tests. */
export interface DetectorOptions {
  /** EWMA weight of the newest minute. */
  readonly alpha: number;
  /** Minutes of a sensor's history before surges and new ports are judged. */
  readonly warmupMinutes: number;
  /** A surge: at least this many packets to the port in the minute … */
  readonly surgeMinPackets: number;
  /** … and this many standard deviations above the port's own baseline. */
  readonly surgeZ: number;
  /** A port emerging: at least this many distinct sources in the minute … */
  readonly emergingMinSources: number;
  /** … on a port whose baseline was below this many packets a minute. */
  readonly emergingMaxBaseline: number;
  /** No second alert for the same port within this many minutes. */
  readonly cooldownMinutes: number;
  /** Backscatter: replies from one source to at least this many sensor addresses … */
  readonly backscatterMinDsts: number;
  /** … and at least this many reply packets. */
  readonly backscatterMinPackets: number;
  /** A scanner: probes to at least this many sensor addresses, or to this many ports. */
  readonly scannerMinDsts: number;
  readonly scannerMinPorts: number;
  /** Most scanners, victims and downloads reported per sensor and minute (the busiest first). */
  readonly maxPerMinute: number;
}

/** Defaults of the detector thresholds. */
export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  alpha: 0.1,
  warmupMinutes: 30,
  surgeMinPackets: 50,
  surgeZ: 6,
  emergingMinSources: 20,
  emergingMaxBaseline: 1,
  cooldownMinutes: 30,
  backscatterMinDsts: 8,
  backscatterMinPackets: 20,
  scannerMinDsts: 3,
  scannerMinPorts: 5,
  maxPerMinute: 1000,
};

interface PortState {
  readonly packets: Ewma;
  lastAlert: number;
}

interface SensorState {
  lastMinute: number;
  minutes: number;
  readonly ports: Map<number, PortState>;
}

const MINUTE = 60_000;

function busiest(m: ReadonlyMap<Member, Tracked>, keep: (t: Tracked) => boolean, max: number): [Member, Tracked][] {
  const out = [...m].filter(([, t]) => keep(t));
  out.sort((a, b) => b[1].packets - a[1].packets);
  return out.slice(0, max);
}

/**
 * Scan, botnet and DoS detection over closed minutes of each sensor: a port's packets against its own
 * EWMA baseline (surge), a quiet port suddenly reached from many sources (a botnet spreading on a new
 * port), replies from few sources to many sensor addresses (DoS backscatter: the source is the victim),
 * sources probing several addresses or ports (scanners), and honeypot downloads.
 * @example const d = new Detectors(); const found = d.observe(closedBucket)
 */
export class Detectors {
  readonly #opts: DetectorOptions;
  readonly #sensors = new Map<string, SensorState>();

  constructor(opts: Partial<DetectorOptions> = {}) {
    this.#opts = { ...DEFAULT_DETECTOR_OPTIONS, ...opts };
  }

  #state(sensorId: string): SensorState {
    let s = this.#sensors.get(sensorId);
    if (!s) this.#sensors.set(sensorId, (s = { lastMinute: -Infinity, minutes: 0, ports: new Map() }));
    return s;
  }

  /** Learns a past minute's port counts without judging it (baselines warmed from stored minutes). */
  learn(sensorId: string, minute: number, ports: ReadonlyMap<number, number>): void {
    this.#advance(this.#state(sensorId), minute, ports, null, sensorId);
  }

  /**
   * Judges a closed minute and learns from it. A late minute (more of one already closed) holds only
   * part of its traffic: its sources are judged (scanners, backscatter, downloads), not its trends.
   */
  observe(b: MinuteBucket): Detection[] {
    const out: Detection[] = [];
    if (!b.late) this.#advance(this.#state(b.sensorId), b.minute, b.ports, b, b.sensorId, out);
    this.#sources(b, out);
    return out;
  }

  #advance(s: SensorState, minute: number, ports: ReadonlyMap<number, number>, b: MinuteBucket | null, sensorId: string, out: Detection[] = []): void {
    if (minute <= s.lastMinute) return;
    const o = this.#opts;
    if (s.lastMinute !== -Infinity) {
      const gap = (minute - s.lastMinute) / MINUTE - 1;
      if (gap > 0) for (const p of s.ports.values()) p.packets.decay(gap);
    }
    const judged = b !== null && s.minutes >= o.warmupMinutes;
    const keys = new Set([...s.ports.keys(), ...ports.keys()]);
    for (const k of keys) {
      const x = ports.get(k) ?? 0;
      let p = s.ports.get(k);
      if (!p) s.ports.set(k, (p = { packets: new Ewma(o.alpha), lastAlert: -Infinity }));
      if (judged && x > 0 && minute - p.lastAlert >= o.cooldownMinutes * MINUTE) {
        const sources = b.portSources.get(k)?.size ?? 0;
        const baseline = p.packets.mean;
        if (sources >= o.emergingMinSources && baseline < o.emergingMaxBaseline) {
          p.lastAlert = minute;
          out.push({ kind: 'port_emerging', sensorId, minute, subject: portName(k), score: sources, details: { port: portName(k), packets: x, sources, baseline: round(baseline), sample_sources: [...(b.portSources.get(k) ?? [])].slice(0, 20).map(memberText) } });
        } else if (x >= o.surgeMinPackets) {
          const z = p.packets.zScore(x);
          if (z >= o.surgeZ) {
            p.lastAlert = minute;
            out.push({ kind: 'port_surge', sensorId, minute, subject: portName(k), score: round(z), details: { port: portName(k), packets: x, sources, baseline: round(baseline), deviation: round(Math.sqrt(p.packets.variance)), z: round(z) } });
          }
        }
      }
      p.packets.update(x);
      if (p.packets.mean < 0.001 && x === 0) s.ports.delete(k);
    }
    s.minutes++;
    s.lastMinute = minute;
  }

  #sources(b: MinuteBucket, out: Detection[]): void {
    const o = this.#opts;
    for (const [src, t] of busiest(b.backscatter, (t) => t.dsts.length >= o.backscatterMinDsts && t.packets >= o.backscatterMinPackets, o.maxPerMinute)) {
      const victim = memberText(src);
      out.push({ kind: 'backscatter', sensorId: b.sensorId, minute: b.minute, subject: victim, score: t.packets, details: { victim, packets: t.packets, sensor_addresses: t.dsts.length, attacked_ports: [...t.ports].sort((x, y) => x - y) } });
    }
    for (const [src, t] of busiest(b.probes, (t) => t.dsts.length >= o.scannerMinDsts || t.ports.length >= o.scannerMinPorts, o.maxPerMinute)) {
      const ip = memberText(src);
      out.push({ kind: 'scanner', sensorId: b.sensorId, minute: b.minute, subject: ip, score: t.packets, details: { source: ip, packets: t.packets, sensor_addresses: t.dsts.length, ports: [...t.ports].sort((x, y) => x - y), first_port: t.firstPort } });
    }
    const seen = new Set<string>();
    for (const d of b.downloads.slice(0, o.maxPerMinute)) {
      const subject = d.url ?? `sha256:${d.sha256}`;
      if (seen.has(`${subject}|${d.sha256}`)) continue;
      seen.add(`${subject}|${d.sha256}`);
      out.push({ kind: 'download', sensorId: b.sensorId, minute: b.minute, subject, score: 1, details: { url: d.url, sha256: d.sha256, source: memberText(d.src), time: new Date(d.time).toISOString() } });
    }
  }

  /** Ports followed for a sensor (tests, metrics). */
  portsFollowed(sensorId: string): number {
    return this.#sensors.get(sensorId)?.ports.size ?? 0;
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
