import type { Command } from './operations.ts';
import type { Suite } from '../sequential/suites.ts';

/**
 * What the calling kernel code holds between commands: the lock, and the md
 * pointers it got from get (with the array base at that time, so a careful
 * caller can rebase after growth and a careless one cannot).
 */
export class Caller {
  locked = false;
  readonly refs = new Map<string, number>();
  readonly held = new Map<string, { readonly md: number; readonly base: number; readonly index: number }>();
  readonly everHeld = new Set<string>();

  constructor(private readonly suite: Suite) {}

  /** May this caller issue cmd now? Commands that may not are skipped (and not reported). */
  allows(cmd: Command, padded: (fn: string) => boolean, pendingAllocFailures: number): boolean {
    const contract = this.suite.keepsLockContract;
    switch (cmd.op) {
      case 'lock':
        return !contract || !this.locked;
      case 'unlock':
        return !contract || this.locked;
      case 'get':
        return !contract || this.locked;
      case 'put':
        if (contract && this.locked && !this.suite.putUnderLock) return false;
        return contract && !this.suite.doublePut ? (this.refs.get(cmd.fn) ?? 0) > 0 : this.everHeld.has(cmd.fn);
      case 'put_by_ip':
        // also without a reference: v4 documents put_by_ip of a function with no md as a no-op
        return !(contract && this.locked && !this.suite.putUnderLock);
      case 'find':
        return true;
      case 'fail_alloc':
        return pendingAllocFailures === 0;
      case 'foreign_write':
        return padded(cmd.fn);
    }
  }

  gotMd(fn: string, md: number, base: number, index: number): void {
    this.refs.set(fn, (this.refs.get(fn) ?? 0) + 1);
    this.held.set(fn, { md, base, index });
    this.everHeld.add(fn);
  }

  droppedRef(fn: string): void {
    const n = this.refs.get(fn) ?? 0;
    if (n > 0) this.refs.set(fn, n - 1);
  }
}
