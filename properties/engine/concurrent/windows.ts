import type { Memory } from '../../../impl/kernel/memory.ts';

/** A reader's view of one window, assembled from its loads (byte by byte, in address order). */
export interface Observation {
  readonly fn: string;
  readonly bytes: readonly number[];
  /** no committed version, since the reader's first load of the window, equals what it saw */
  readonly torn: boolean;
  /**
   * some load of it found a poke in progress (bytes stored since the last commit): a torn write,
   * D7. A torn observation none of whose loads did is a torn read (D16): each load saw a whole
   * window, but the window changed between the loads.
   */
  readonly midPoke: boolean;
}

const NOTHING: readonly never[] = [];

interface WindowState {
  readonly fn: string;
  readonly start: number;
  readonly size: number;
  /** committed contents, oldest first (hex) */
  readonly versions: string[];
  /** byte positions stored since the last commit */
  readonly written: Set<number>;
}

interface Partial {
  readonly bytes: (number | null)[];
  /** index into versions of the version current at the first load */
  readonly since: number;
  /** a load found the window mid-poke */
  midPoke: boolean;
}

/**
 * Tracks the md windows' committed contents and what readers saw. A text poke writes the whole
 * window (five byte stores on x86, one word on arm64); the window's content counts as a
 * committed version once every byte of it has been stored since the previous commit. A reader's
 * observation is torn when no version committed between its first load and now equals it.
 */
export class WindowWatch {
  private readonly windows: WindowState[] = [];
  /** [lowest start, highest end) over all windows: most accesses are nowhere near text */
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  /** cpu → fn → observation in progress */
  private readonly partial = new Map<number, Map<string, Partial>>();

  constructor(
    private readonly mem: Memory,
    ranges: ReadonlyMap<string, readonly [number, number]>,
  ) {
    for (const [fn, [s, e]] of ranges) {
      this.windows.push({ fn, start: s, size: e - s, versions: [hexOf(mem.peekBytes(s, e - s))], written: new Set() });
      this.lo = Math.min(this.lo, s);
      this.hi = Math.max(this.hi, e);
    }
  }

  /** A store was performed; returns the functions whose window bytes it touched. */
  onStore(addr: number, size: number): readonly string[] {
    if (addr >= this.hi || addr + size <= this.lo) return NOTHING;
    const touched: string[] = [];
    for (const w of this.windows) {
      if (addr >= w.start + w.size || addr + size <= w.start) continue;
      for (let p = Math.max(addr, w.start); p < Math.min(addr + size, w.start + w.size); p++)
        w.written.add(p - w.start);
      if (w.written.size === w.size) {
        w.versions.push(hexOf(this.mem.peekBytes(w.start, w.size)));
        w.written.clear();
      }
      touched.push(w.fn);
    }
    return touched;
  }

  /** A load was performed by `cpu` and returned `bytes`; returns the observations it completed. */
  onLoad(cpu: number, addr: number, bytes: Uint8Array): readonly Observation[] {
    if (addr >= this.hi || addr + bytes.length <= this.lo) return NOTHING;
    const done: Observation[] = [];
    for (const w of this.windows) {
      if (addr >= w.start + w.size || addr + bytes.length <= w.start) continue;
      let mine = this.partial.get(cpu);
      if (!mine) this.partial.set(cpu, (mine = new Map<string, Partial>()));
      let obs = mine.get(w.fn);
      if (!obs)
        mine.set(
          w.fn,
          (obs = { bytes: new Array<number | null>(w.size).fill(null), since: w.versions.length - 1, midPoke: false }),
        );
      if (w.written.size > 0) obs.midPoke = true;
      for (let p = Math.max(addr, w.start); p < Math.min(addr + bytes.length, w.start + w.size); p++)
        obs.bytes[p - w.start] = bytes[p - addr];
      if (obs.bytes.every((b) => b !== null)) {
        const seen = obs.bytes;
        const torn = !w.versions.slice(obs.since).includes(hexOf(seen));
        done.push({ fn: w.fn, bytes: seen, torn, midPoke: obs.midPoke });
        mine.delete(w.fn);
      }
    }
    return done;
  }

  /** A new operation starts on `cpu`: half-read windows from the previous one are forgotten. */
  forget(cpu: number): void {
    this.partial.delete(cpu);
  }

  /** What future verdicts depend on (for state hashing): in-flight bytes, live versions, partial views. */
  key(): string {
    const parts: string[] = [];
    for (const w of this.windows) {
      let oldest = w.versions.length - 1;
      for (const m of this.partial.values()) {
        const o = m.get(w.fn);
        if (o) oldest = Math.min(oldest, o.since);
      }
      parts.push(`${w.fn}:${[...w.written].sort().join(',')}:${w.versions.slice(oldest).join('/')}`);
      for (const [cpu, m] of this.partial) {
        const o = m.get(w.fn);
        if (o)
          parts.push(
            `c${cpu}@${o.since - oldest}${o.midPoke ? 'm' : ''}:${o.bytes.map((b) => (b === null ? '_' : b)).join(',')}`,
          );
      }
    }
    return parts.join(';');
  }
}

export function hexOf(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i ? ' ' : '') + bytes[i].toString(16).padStart(2, '0');
  return s;
}
