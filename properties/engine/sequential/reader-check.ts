import { runSequential } from '../../../impl/kernel/run.ts';
import type { TrampolineView } from '../../../impl/contract/index.ts';
import { ownedIndex } from '../../../model/index.ts';
import type { Violation } from '../core/violation.ts';
import { hexAddr, mdIndex } from '../core/world.ts';
import type { SequentialWorld } from './sequential-world.ts';

const READER_CPU = 1;

/**
 * I1/I4 as the lock-free reader sees them in a quiescent state: the global trampoline
 * (rcu_read_lock, find, load users and func) run on every padded function must land on the
 * md the model says the function owns, see its users, and see func == the function.
 * Windows a foreign write reached are skipped: their bytes are not kfunc_md's. The reader runs
 * on another CPU, and only while the caller holds no lock, so a store whose readers take the
 * mutex is judged by the same check.
 */
export function checkReaders(world: SequentialWorld, at: number): Violation | null {
  const ctx = world.oracle.context;
  if (world.oracle.state !== 'unlocked') return null;
  for (const [fn] of world.windows) {
    if (ctx.touched[fn]) continue;
    const ip = world.ip.get(fn) ?? 0;
    const violationsBefore = world.kernel.violations.length;
    let r: ReturnType<typeof runSequential<TrampolineView>>;
    try {
      r = runSequential(world.kernel, world.store.trampoline(ip, { rcu: true }), READER_CPU);
    } catch (err) {
      return {
        check: 'reader',
        at,
        fn,
        message: `the trampoline on ${fn} threw ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    if (!r.ok) return { check: 'reader', at, fn, message: `the trampoline on ${fn} did not return: ${r.deadlock}` };
    const fault = world.kernel.violations[violationsBefore];
    if (fault)
      return {
        check: 'reader',
        at,
        fn,
        message: `the trampoline on ${fn}: ${fault.kind} at ${hexAddr(fault.addr ?? 0)}: ${fault.note}`,
      };
    const expected = ownedIndex(ctx, fn);
    const seen = mdIndex(world, r.value.md);
    const seenIndex = seen !== null && 'index' in seen ? seen.index : null;
    const says = (what: string): Violation => ({ check: 'reader', at, fn, message: `the trampoline on ${fn} ${what}` });
    if (seen !== null && 'bogus' in seen) return says(`formed a ${seen.bogus}`);
    if (seenIndex !== expected)
      return says(`found ${describe(seenIndex)}; the model says ${fn} owns ${describe(expected)}`);
    if (expected === null) {
      // the API says a miss loads nothing: users and func come back 0
      if (r.value.users !== 0 || r.value.func !== 0)
        return says(
          `found no md but returned users ${r.value.users}, func ${hexAddr(r.value.func)}; a miss returns zeros`,
        );
      continue;
    }
    const users = ctx.slots[expected].users;
    if (r.value.users !== users)
      return says(`read users ${r.value.users} in md #${expected}; the model expects ${users}`);
    if (r.value.func !== ip)
      return says(
        `read func ${world.nameAt.get(r.value.func) ?? hexAddr(r.value.func)} in md #${expected}; expected ${fn}`,
      );
  }
  return null;
}

function describe(index: number | null): string {
  return index === null ? 'no md' : `md #${index}`;
}
