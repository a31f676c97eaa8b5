import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_SIZE } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/**
 * __put as v4, then a shrink that checks the wrong half: when a release leaves the LOWER half
 * of the array empty, kfunc_md_count is halved, although the upper half is what it drops. The
 * functions still using upper-half slots keep instructions naming indexes >= count (I3).
 */
class ShrinkWhenSparse extends V4Store {
  protected override *putLocked(md: Addr): Op<boolean> {
    const released = yield* super.putLocked(md);
    const count = yield* this.mem.load32(this.countAddr);
    if (!released || count <= this.perPage) return released;
    const mds = yield* this.mem.load64(this.mdsAddr);
    for (let i = 0; i < count / 2; i++) {
      if ((yield* this.mem.load32(mds + i * MD_SIZE)) !== 0) return released;
    }
    yield* this.mem.store32(this.countAddr, count / 2);
    return released;
  }
}

export const shrinkWhenSparse = mutant(
  'shrink-when-sparse',
  'when a release empties the lower half, kfunc_md_count is halved, cutting off the live upper half',
  (kernel) => new ShrinkWhenSparse(kernel),
);
