import type { LockDiscipline } from '../../../impl/contract/index.ts';
import { Holdings } from '../core/holdings.ts';
import type { Operation } from '../core/operations.ts';
import type { Suite } from './suites.ts';

/**
 * The sequential caller: what it holds (core Holdings), and the suite's rule for which
 * generated commands it may issue now. Commands it may not issue are skipped (and not reported).
 */
export class SequentialCaller {
  readonly holdings = new Holdings();

  constructor(
    private readonly suite: Suite,
    /** which verbs need kfunc_md_mutex held by the caller, and which take it themselves */
    private readonly locking: LockDiscipline,
  ) {}

  /**
   * The generated commands as this caller issues them: a design whose put (or put_by_ip) needs
   * kfunc_md_mutex held by its caller (may25) gets it taken around the call by a careful caller.
   */
  *issue(commands: readonly Operation[]): Generator<Operation> {
    for (const cmd of commands) {
      const rule = cmd.op === 'put' ? this.locking.put : cmd.op === 'put_by_ip' ? this.locking.put_by_ip : null;
      if (this.suite.keepsLockContract && rule === 'caller-holds' && !this.holdings.locked) {
        yield { op: 'lock' };
        yield cmd;
        yield { op: 'unlock' };
      } else yield cmd;
    }
  }

  allows(cmd: Operation, padded: (fn: string) => boolean, pendingAllocFailures: number): boolean {
    const contract = this.suite.keepsLockContract;
    const h = this.holdings;
    // a verb that takes the mutex itself is called without it (put-under-lock breaks that on purpose)
    const lockOk = (rule: 'caller-holds' | 'takes', putUnderLock: boolean): boolean =>
      !contract || (rule === 'caller-holds' ? h.locked : !h.locked || putUnderLock);
    const putUnderLock = this.suite.putUnderLock === true;
    // a design whose verbs all take the mutex themselves: a careful caller never takes it
    const noLockNeeded =
      this.locking.get === 'takes' && this.locking.put === 'takes' && this.locking.put_by_ip === 'takes';
    switch (cmd.op) {
      case 'lock':
        return !contract || (!h.locked && !noLockNeeded);
      case 'unlock':
        return !contract || h.locked;
      case 'get':
        return lockOk(this.locking.get, false);
      case 'put':
        if (!lockOk(this.locking.put, putUnderLock)) return false;
        return contract && !this.suite.doublePut ? h.holds(cmd.fn) : h.everHeld(cmd.fn);
      case 'put_by_ip':
        // also without a reference: v4 documents put_by_ip of a function with no md as a no-op
        return lockOk(this.locking.put_by_ip, putUnderLock);
      case 'find':
      case 'quiesce':
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
