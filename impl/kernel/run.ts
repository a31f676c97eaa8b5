import type { Memory } from './memory.ts';
import type { Op } from './types.ts';

export type RunResult<T> =
  | { readonly ok: true; readonly value: T; readonly steps: number }
  | {
      readonly ok: false;
      /** one line: who waits for what, or why the run was cut off */
      readonly deadlock: string;
      readonly reason: 'deadlock' | 'runaway';
      /** deadlock: the mutex the CPU blocked on (kfunc_md_mutex, text_mutex), when it blocked on one */
      readonly lock?: string;
      readonly steps: number;
    };

/** Enough for growth to order 10 at 4 KiB pages; a real hang hits it quickly anyway. */
export const DEFAULT_MAX_STEPS = 10_000_000;

/**
 * Drive one operation to completion on one CPU with nobody else running. A blocked step can
 * then never unblock, so it is reported as a deadlock instead of spinning. The generator is
 * left suspended where it stopped (locks it holds stay held), as a hung task would.
 */
export function runSequential<T>(
  kernel: { readonly mem: Memory },
  op: Op<T>,
  cpu = 0,
  maxSteps = DEFAULT_MAX_STEPS,
): RunResult<T> {
  const mem = kernel.mem;
  let steps = 0;
  mem.currentCpu = cpu;
  let r = op.next();
  while (!r.done) {
    const step = r.value;
    steps++;
    if (step.blocked && mem.stillBlocked(cpu, step)) {
      const why = step.note ?? `cpu${cpu} blocked at ${step.kind}${step.lock ? ` ${step.lock}` : ''}`;
      return {
        ok: false,
        reason: 'deadlock',
        deadlock: why.startsWith('self-deadlock') ? why : `deadlock: ${why}`,
        ...(step.lock !== undefined ? { lock: step.lock } : {}),
        steps,
      };
    }
    if (steps > maxSteps) {
      return {
        ok: false,
        reason: 'runaway',
        deadlock: `runaway: cpu${cpu} exceeded ${maxSteps} steps (last: ${step.kind})`,
        steps,
      };
    }
    mem.currentCpu = cpu;
    r = op.next();
  }
  return { ok: true, value: r.value, steps };
}
