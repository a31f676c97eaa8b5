import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_SIZE } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** find as v4 without `index >= count -> WARN, NULL`: any index read from the padding is trusted. */
class FindNoBoundCheck extends V4Store {
  override *find(ip: Addr): Op<Addr> {
    if (!(yield* this.hooks.exist(ip))) return 0;
    const index = yield* this.getIndex(ip);
    const mds = yield* this.mem.load64(this.mdsAddr);
    return mds + index * MD_SIZE;
  }
}

export const findNoBoundCheck = mutant(
  'find-no-bound-check',
  'find has no index >= count check: returns kfunc_mds + index for any index in the padding',
  (kernel) => new FindNoBoundCheck(kernel),
);
