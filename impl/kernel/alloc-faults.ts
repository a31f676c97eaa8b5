/**
 * Injected allocation failures, shared by the page allocator and the slab: "the next allocation
 * fails" means whichever of the two a design calls first (v4 allocates pages, the later designs
 * kvmalloc and kzalloc), so a fault suite reaches every design the same way.
 */
export class AllocFaults {
  private pending = 0;
  private spared = 0;

  /**
   * After `after` more attempts succeed, the next n fail: a unit test reaches the third
   * allocation of a path (a percpu_ref_init inside a growth, say) without stepping to it.
   */
  failNext(n: number, after = 0): void {
    this.pending = n;
    this.spared = after;
  }

  /** Whether this attempt fails (and spends one injected failure). */
  take(): boolean {
    if (this.pending === 0) return false;
    if (this.spared > 0) {
      this.spared--;
      return false;
    }
    this.pending--;
    return true;
  }
}
