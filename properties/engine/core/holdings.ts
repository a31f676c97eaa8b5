/** An md pointer a caller got from kfunc_md_get, with the array base at that time and the slot it names. */
export interface HeldMd {
  readonly md: number;
  readonly base: number;
  readonly index: number;
}

/**
 * What one caller (the sequential caller, or one simulated CPU) holds between operations:
 * kfunc_md_mutex or not, its references per function, and the md pointer of its latest get of
 * each function (with the array base then, so a careful caller can rebase after growth and a
 * careless one cannot).
 */
export class Holdings {
  locked = false;
  private readonly refs = new Map<string, number>();
  private readonly latestMd = new Map<string, HeldMd>();
  private readonly ever = new Set<string>();

  /** kfunc_md_get returned an md for fn */
  gotMd(fn: string, held: HeldMd): void {
    this.refs.set(fn, this.references(fn) + 1);
    this.latestMd.set(fn, held);
    this.ever.add(fn);
  }

  /** a put or put_by_ip of fn returned: one reference fewer (never below zero) */
  droppedRef(fn: string): void {
    const n = this.references(fn);
    if (n > 0) this.refs.set(fn, n - 1);
  }

  references(fn: string): number {
    return this.refs.get(fn) ?? 0;
  }

  holds(fn: string): boolean {
    return this.references(fn) > 0;
  }

  /** the md of the latest get of fn, held or not any more */
  latest(fn: string): HeldMd | undefined {
    return this.latestMd.get(fn);
  }

  /** fn, references, latest md: every function with a reference, in the order first got (state hashing) */
  *held(): Iterable<readonly [string, number, HeldMd | undefined]> {
    for (const [fn, n] of this.refs) if (n > 0) yield [fn, n, this.latestMd.get(fn)];
  }

  everHeld(fn: string): boolean {
    return this.ever.has(fn);
  }
}
