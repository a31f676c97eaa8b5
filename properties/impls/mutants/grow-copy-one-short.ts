import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_SIZE } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** memcpy(new, old, (count - 1) * sizeof(*md)): the last old entry arrives as fresh-page garbage. copy() serves only growth. */
class GrowCopyOneShort extends V4Store {
  protected override *copy(dst: Addr, src: Addr, bytes: number): Op<void> {
    yield* super.copy(dst, src, bytes - MD_SIZE);
  }
}

export const growCopyOneShort = mutant(
  'grow-copy-one-short',
  'growth memcpy copies count-1 entries: the last old entry becomes garbage in the new array',
  (kernel) => new GrowCopyOneShort(kernel),
);
