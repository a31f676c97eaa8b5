import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/**
 * __put as v4, then a naive shrink: when the last user goes, kfunc_md_count is halved (the
 * array itself is kept), as if capacity followed demand. Capacity must never shrink (I11).
 */
class ShrinkWhenEmpty extends V4Store {
  protected override *putLocked(md: Addr): Op<boolean> {
    const released = yield* super.putLocked(md);
    const used = yield* this.mem.load32(this.usedAddr);
    const count = yield* this.mem.load32(this.countAddr);
    if (released && used === 0 && count > this.perPage) yield* this.mem.store32(this.countAddr, count / 2);
    return released;
  }
}

export const shrinkWhenEmpty = mutant(
  'shrink-when-empty',
  'when the last md is released, kfunc_md_count is halved (capacity shrinks; the array is kept)',
  (kernel) => new ShrinkWhenEmpty(kernel),
);
