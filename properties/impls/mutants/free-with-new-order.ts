import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_SIZE, orderOf } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** grow() doubles kfunc_md_count before free_pages() and recomputes the order from it: the old block is freed with order+1. */
class FreeWithNewOrder extends V4Store {
  protected override *grow(mds: Addr, count: number): Op<Addr> {
    const order = orderOf(count, this.perPage);
    const fresh = yield* this.mem.allocPages(order + 1);
    if (!fresh) return 0;
    yield* this.copy(fresh, mds, count * MD_SIZE);
    yield* this.initUsers(fresh, count, 2 * count);
    yield* this.mem.store64(this.mdsAddr, fresh);
    yield* this.mem.synchronizeRcu();
    const c = yield* this.mem.load32(this.countAddr);
    yield* this.mem.store32(this.countAddr, c * 2);
    yield* this.mem.freePages(mds, orderOf(c * 2, this.perPage));
    return fresh;
  }
}

export const freeWithNewOrder = mutant(
  'free-with-new-order',
  'growth frees the old array with the new order (count doubled first), not the order it was allocated with',
  (kernel) => new FreeWithNewOrder(kernel),
);
