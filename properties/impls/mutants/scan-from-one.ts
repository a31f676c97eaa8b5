import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_SIZE, MD_USERS } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** The free-slot scan starts at 1 (a 1-based loop): slot 0 is never handed out after the first array. */
class ScanFromOne extends V4Store {
  protected override *scanFree(mds: Addr, count: number): Op<number> {
    for (let i = 1; i < count; i++) {
      if ((yield* this.mem.load32(mds + i * MD_SIZE + MD_USERS)) === 0) return i;
    }
    return -1;
  }
}

export const scanFromOne = mutant(
  'scan-from-one',
  'the free-slot scan starts at index 1, so slot 0 is never used',
  (kernel) => new ScanFromOne(kernel),
);
