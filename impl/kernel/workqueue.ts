import type { Op } from './types.ts';

/**
 * system_wq as the harness sees it: work a design schedules (schedule_work) runs when the
 * kernel's background activity catches up (the harness's `quiesce` operation, a test), as RCU
 * callbacks run only when someone invokes them. A work item already pending is not queued twice
 * (schedule_work returns false), as in the kernel.
 */
export class Workqueue {
  private readonly pending = new Map<string, () => Op<unknown>>();

  /** schedule_work: queue `run` under `name`; false if that work is already pending */
  schedule(name: string, run: () => Op<unknown>): boolean {
    if (this.pending.has(name)) return false;
    this.pending.set(name, run);
    return true;
  }

  /** How many work items wait. */
  get size(): number {
    return this.pending.size;
  }

  /** flush_scheduled_work(): run every pending item, and what they schedule, until none is left; returns how many ran */
  *flush(): Op<number> {
    let ran = 0;
    for (let next = this.pending.entries().next(); !next.done; next = this.pending.entries().next()) {
      const [name, run] = next.value;
      this.pending.delete(name);
      yield* run();
      ran++;
    }
    return ran;
  }
}
