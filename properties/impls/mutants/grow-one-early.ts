import type { Op } from '../../../impl/kernel/types.ts';
import type { Slot } from '../../../impl/v4/store.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/**
 * The "room left?" test off by one (used + 1 < count): the last free slot is never scanned for,
 * so the array doubles one get early.
 */
class GrowOneEarly extends V4Store {
  protected override *allocSlot(): Op<Slot | null> {
    let mds = yield* this.mem.load64(this.mdsAddr);
    if (!mds) {
      mds = yield* this.firstArray();
      if (!mds) return null;
    }
    const used = yield* this.mem.load32(this.usedAddr);
    const count = yield* this.mem.load32(this.countAddr);
    if (used + 1 < count) {
      const index = yield* this.scanFree(mds, count);
      if (index >= 0) return yield* this.claim(mds, index);
    }
    const grown = yield* this.grow(mds, count);
    if (!grown) return null;
    return yield* this.claim(grown, count);
  }
}

export const growOneEarly = mutant(
  'grow-one-early',
  'alloc_slot tests used + 1 < count: the last free slot is never used, the array doubles one get early',
  (kernel) => new GrowOneEarly(kernel),
);
