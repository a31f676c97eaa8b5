import { hex, toI32 } from '../../../impl/kernel/le.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_FUNC, MD_USERS } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** __put as v4, minus the final kfunc_md_used--: every release leaks a slot in the count. */
class UsedNotDecremented extends V4Store {
  protected override *putLocked(md: Addr): Op<boolean> {
    const users = toI32(yield* this.mem.load32(md + MD_USERS));
    if (users <= 0) {
      this.kernel.warn('put-users', `kfunc_md_put(${hex(md)}): users ${users} <= 0`);
      return false;
    }
    yield* this.mem.store32(md + MD_USERS, users - 1);
    if (users - 1 > 0) return false;
    const func = yield* this.mem.load64(md + MD_FUNC);
    if (!(yield* this.hooks.exist(func))) return false;
    yield* this.textPokeHelper(func, null, this.hooks.nops());
    return true;
  }
}

export const usedNotDecremented = mutant(
  'used-not-decremented',
  '__put never decrements kfunc_md_used (NOPs are restored, the count leaks)',
  (kernel) => new UsedNotDecremented(kernel),
);
