import type { Addr, Op } from '../../impl/kernel/types.ts';
import { MD_SIZE, orderOf } from '../../impl/v4/layout.ts';
import { V4Store } from '../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** grow() as v4, minus the grace period and free_pages of the old array: every growth leaks a block. */
class GrowLeaksOldArray extends V4Store {
  protected override *grow(mds: Addr, count: number): Op<Addr> {
    const order = orderOf(count, this.perPage);
    const fresh = yield* this.mem.allocPages(order + 1);
    if (!fresh) return 0;
    yield* this.copy(fresh, mds, count * MD_SIZE);
    yield* this.initUsers(fresh, count, 2 * count);
    yield* this.mem.store64(this.mdsAddr, fresh);
    const c = yield* this.mem.load32(this.countAddr);
    yield* this.mem.store32(this.countAddr, c * 2);
    return fresh;
  }
}

export const growLeaksOldArray = mutant(
  'grow-leaks-old-array',
  'growth publishes the new array but never frees the old one (a page leak per growth)',
  (kernel) => new GrowLeaksOldArray(kernel),
);
