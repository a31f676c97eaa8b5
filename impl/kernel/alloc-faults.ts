/**
 * Injected allocation failures, shared by the page allocator and the slab: "the next allocation
 * fails" means whichever of the two a design calls first (v4 allocates pages, the later designs
 * kvmalloc and kzalloc), so a fault suite reaches every design the same way.
 */
export class AllocFaults {
  private pending = 0;

  /** The next n allocation attempts fail. */
  failNext(n: number): void {
    this.pending = n;
  }

  /** Whether this attempt fails (and spends one injected failure). */
  take(): boolean {
    if (this.pending === 0) return false;
    this.pending--;
    return true;
  }
}
