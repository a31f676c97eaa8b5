/**
 * Classic RCU bookkeeping: per-CPU read-side nesting, and for every CPU inside
 * synchronize_rcu() the set of readers it must wait for. (Memory.rcu is classic RCU; the
 * other flavours, rcu-flavours.ts, keep their readers in instances of their own.)
 *
 * A grace period only waits for read-side sections that had already begun when
 * synchronize_rcu() started; a section is identified by a serial number taken at its
 * outermost rcu_read_lock(), so a reader that leaves and re-enters does not hold it up.
 */
export class RcuState {
  gracePeriods = 0;
  private readonly nesting = new Map<number, number>();
  private readonly section = new Map<number, number>();
  private nextSection = 1;
  private readonly waits = new Map<number, ReadonlyMap<number, number>>();

  depth(cpu: number): number {
    return this.nesting.get(cpu) ?? 0;
  }

  /** rcu_read_lock() on `cpu` */
  readLock(cpu: number): void {
    const d = this.depth(cpu);
    if (d === 0) this.section.set(cpu, this.nextSection++);
    this.nesting.set(cpu, d + 1);
  }

  /** rcu_read_unlock() on `cpu`; false when unbalanced (no section to leave). */
  readUnlock(cpu: number): boolean {
    const d = this.depth(cpu);
    if (d === 0) return false;
    this.nesting.set(cpu, d - 1);
    return true;
  }

  /** Start of synchronize_rcu() on `cpu`: remember who is inside a section right now. */
  beginSync(cpu: number): void {
    this.waits.set(cpu, this.readers());
  }

  /** Readers that `cpu`'s pending grace period is still waiting for. */
  pendingReaders(cpu: number): number[] {
    const snapshot = this.waits.get(cpu);
    if (!snapshot) return [];
    return this.stillReading(snapshot);
  }

  /**
   * Who is inside a read-side section right now, with that section's serial: what a grace
   * period starting now waits for (synchronize_rcu, and call_rcu's callback).
   */
  readers(): ReadonlyMap<number, number> {
    const snapshot = new Map<number, number>();
    // every CPU inside a section got its serial at its outermost rcu_read_lock(), and both maps
    // were first keyed in that same call, so this visits the readers in nesting's order
    for (const [reader, sec] of this.section) {
      if (this.depth(reader) > 0) snapshot.set(reader, sec);
    }
    return snapshot;
  }

  /** The readers of a `readers()` snapshot that are still inside the same section. */
  stillReading(snapshot: ReadonlyMap<number, number>): number[] {
    return [...snapshot]
      .filter(([reader, sec]) => this.depth(reader) > 0 && this.section.get(reader) === sec)
      .map(([reader]) => reader);
  }

  /** synchronize_rcu() on `cpu` returns: one more grace period has elapsed. */
  endSync(cpu: number): void {
    this.waits.delete(cpu);
    this.gracePeriods++;
  }
}
