import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_SIZE, orderOf } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** grow() as v4, minus the loop clearing users of the new upper half: those slots keep 0xa5a5a5a5 (negative). */
class GrowNoInitUpper extends V4Store {
  protected override *grow(mds: Addr, count: number): Op<Addr> {
    const order = orderOf(count, this.perPage);
    const fresh = yield* this.mem.allocPages(order + 1);
    if (!fresh) return 0;
    yield* this.copy(fresh, mds, count * MD_SIZE);
    yield* this.mem.store64(this.mdsAddr, fresh);
    yield* this.mem.synchronizeRcu();
    yield* this.mem.freePages(mds, order);
    const c = yield* this.mem.load32(this.countAddr);
    yield* this.mem.store32(this.countAddr, c * 2);
    return fresh;
  }
}

export const growNoInitUpper = mutant(
  'grow-no-init-upper',
  'growth does not set users = 0 in the new upper half (fresh pages hold 0xa5 garbage)',
  (kernel) => new GrowNoInitUpper(kernel),
);
