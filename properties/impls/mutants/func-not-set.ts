import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_USERS } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** get as v4 without the final md->func = ip: a new slot keeps whatever func it had (garbage, or a stale owner). */
class FuncNotSet extends V4Store {
  override *get(ip: Addr): Op<Addr> {
    const found = yield* this.find(ip);
    if (found) {
      yield* this.incUsers(found);
      return found;
    }
    const slot = yield* this.allocSlot();
    if (!slot) return 0;
    const ret = yield* this.textPokeHelper(ip, this.hooks.pretend(slot.index), this.hooks.nops());
    if (ret !== 0) {
      yield* this.addUsed(-1);
      yield* this.mem.store32(slot.md + MD_USERS, 0);
      return 0;
    }
    return slot.md;
  }
}

export const funcNotSet = mutant(
  'func-not-set',
  'get never stores md->func = ip after installing the instruction',
  (kernel) => new FuncNotSet(kernel),
);
