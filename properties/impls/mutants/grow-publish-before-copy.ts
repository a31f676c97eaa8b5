import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_SIZE, orderOf } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/**
 * grow() publishes the new array before filling it: an RCU reader in between sees garbage
 * entries. The final state is identical to v4's, so only a concurrent reader can tell.
 */
class GrowPublishBeforeCopy extends V4Store {
  protected override *grow(mds: Addr, count: number): Op<Addr> {
    const order = orderOf(count, this.perPage);
    const fresh = yield* this.mem.allocPages(order + 1);
    if (!fresh) return 0;
    yield* this.mem.store64(this.mdsAddr, fresh);
    yield* this.copy(fresh, mds, count * MD_SIZE);
    yield* this.initUsers(fresh, count, 2 * count);
    yield* this.mem.synchronizeRcu();
    yield* this.mem.freePages(mds, order);
    const c = yield* this.mem.load32(this.countAddr);
    yield* this.mem.store32(this.countAddr, c * 2);
    return fresh;
  }
}

export const growPublishBeforeCopy = mutant(
  'grow-publish-before-copy',
  'growth publishes the new array (rcu_assign_pointer) before copying the old entries into it',
  (kernel) => new GrowPublishBeforeCopy(kernel),
);
