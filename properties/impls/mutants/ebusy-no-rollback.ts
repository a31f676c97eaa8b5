import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_FUNC } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** get as v4, but a failed poke (-EBUSY) returns NULL without giving the claimed slot back (used and users stay 1). */
class EbusyNoRollback extends V4Store {
  override *get(ip: Addr): Op<Addr> {
    const found = yield* this.find(ip);
    if (found) {
      yield* this.incUsers(found);
      return found;
    }
    const slot = yield* this.allocSlot();
    if (!slot) return 0;
    const ret = yield* this.textPokeHelper(ip, this.hooks.pretend(slot.index), this.hooks.nops());
    if (ret !== 0) return 0;
    yield* this.mem.store64(slot.md + MD_FUNC, ip);
    return slot.md;
  }
}

export const ebusyNoRollback = mutant(
  'ebusy-no-rollback',
  'get returns NULL on -EBUSY without the rollback (used-- and users = 0): the slot leaks',
  (kernel) => new EbusyNoRollback(kernel),
);
