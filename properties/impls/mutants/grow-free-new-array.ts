import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_SIZE, orderOf } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** grow() as v4 but free_pages() gets the new block (a swapped variable): kfunc_mds points at freed memory. */
class GrowFreeNewArray extends V4Store {
  protected override *grow(mds: Addr, count: number): Op<Addr> {
    const order = orderOf(count, this.perPage);
    const fresh = yield* this.mem.allocPages(order + 1);
    if (!fresh) return 0;
    yield* this.copy(fresh, mds, count * MD_SIZE);
    yield* this.initUsers(fresh, count, 2 * count);
    yield* this.mem.store64(this.mdsAddr, fresh);
    yield* this.mem.synchronizeRcu();
    yield* this.mem.freePages(fresh, order + 1);
    const c = yield* this.mem.load32(this.countAddr);
    yield* this.mem.store32(this.countAddr, c * 2);
    return fresh;
  }
}

export const growFreeNewArray = mutant(
  'grow-free-new-array',
  'growth frees the new array instead of the old one (kfunc_mds is left pointing at freed pages)',
  (kernel) => new GrowFreeNewArray(kernel),
);
