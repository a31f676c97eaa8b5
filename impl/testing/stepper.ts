import type { Kernel } from '../kernel/kernel.ts';
import type { Op, Step } from '../kernel/types.ts';

/** One simulated CPU driving one operation a step at a time (a hand-cranked scheduler for tests). */
export class Stepper<T> {
  pending: Step | undefined;
  done = false;
  value: T | undefined;

  constructor(
    private readonly kernel: Kernel,
    readonly cpu: number,
    private readonly op: Op<T>,
  ) {
    this.resume();
  }

  /** Perform the pending access (if any) and run to the next Step. */
  resume(): void {
    if (this.done) throw new Error(`cpu${this.cpu} already finished`);
    this.kernel.mem.currentCpu = this.cpu;
    const r = this.op.next();
    if (r.done) {
      this.done = true;
      this.value = r.value;
      this.pending = undefined;
    } else {
      this.pending = r.value;
    }
  }

  /** The step this CPU will perform when resumed; throws once the op has finished. */
  next(): Step {
    if (this.pending === undefined) throw new Error(`cpu${this.cpu} has finished: no pending step`);
    return this.pending;
  }

  /** Resume until the pending step matches (not performing it), or the op finishes. */
  runUntil(pred: (s: Step) => boolean, limit = 1_000_000): void {
    // pending is undefined exactly when done
    for (let i = 0; this.pending !== undefined && !pred(this.pending); i++) {
      if (i >= limit) throw new Error('runUntil: limit reached');
      this.resume();
    }
  }

  finish(): T {
    this.runUntil(() => false);
    return this.value as T;
  }
}
