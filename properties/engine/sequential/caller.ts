import { Holdings } from '../core/holdings.ts';
import type { Operation } from '../core/operations.ts';
import type { Suite } from './suites.ts';

/**
 * The sequential caller: what it holds (core Holdings), and the suite's rule for which
 * generated commands it may issue now. Commands it may not issue are skipped (and not reported).
 */
export class SequentialCaller {
  readonly holdings = new Holdings();

  constructor(private readonly suite: Suite) {}

  allows(cmd: Operation, padded: (fn: string) => boolean, pendingAllocFailures: number): boolean {
    const contract = this.suite.keepsLockContract;
    const h = this.holdings;
    switch (cmd.op) {
      case 'lock':
        return !contract || !h.locked;
      case 'unlock':
        return !contract || h.locked;
      case 'get':
        return !contract || h.locked;
      case 'put':
        if (contract && h.locked && !this.suite.putUnderLock) return false;
        return contract && !this.suite.doublePut ? h.holds(cmd.fn) : h.everHeld(cmd.fn);
      case 'put_by_ip':
        // also without a reference: v4 documents put_by_ip of a function with no md as a no-op
        return !(contract && h.locked && !this.suite.putUnderLock);
      case 'find':
        return true;
      case 'fail_alloc':
        return pendingAllocFailures === 0;
      case 'foreign_write':
        return padded(cmd.fn);
      case 'locked_get':
      case 'tramp':
        // operations of the simulated CPUs: the sequential suites do not generate them
        return false;
    }
  }
}
