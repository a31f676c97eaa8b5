import type { Op } from '../../../impl/kernel/types.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** grow() as v4, minus the grace period and free_pages of the old array: every growth leaks a block. */
class GrowLeaksOldArray extends V4Store {
  // retiring nothing is the bug
  protected override *retire(): Op<void> {}
}

export const growLeaksOldArray = mutant(
  'grow-leaks-old-array',
  'growth publishes the new array but never frees the old one (a page leak per growth)',
  (kernel) => new GrowLeaksOldArray(kernel),
);
