/**
 * A user's own kfunc_md design, checked by kfmd from the user's own project (see
 * my-store.test.ts). It imports kfmd only by package name, as an installed dependency would.
 *
 * The design: kfmd's locked reference store (one mutex around everything, a grace period before
 * a slot is reused, grown-out arrays retired rather than freed) with a struct kfunc_md of its own:
 *
 *   struct kfunc_md {
 *       u64 pad0;           //  0
 *       void *func;         //  8
 *       u64 cookie[2];      // 16
 *       int users;          // 32
 *       u32 flags;          // 36
 *   };                      // sizeof = 40, so ENTRIES_PER_PAGE = 4096 / 40 = 102
 *
 * The harness assumes no layout: it reads where users and func live from the store's inspect().
 */
import { CONTRACT_VERSION, LockedStore, V4_LOCKING, hooksFor } from 'kfmd/impl';
import type { EntryLayout, Implementation, Kernel } from 'kfmd/impl';

export const MY_LAYOUT: EntryLayout = { size: 40, users: 32, func: 8 };

export const myStore: Implementation = {
  name: 'my-store',
  description: 'locked store with a 40-byte struct kfunc_md (func at 8, users at 32)',
  contract: CONTRACT_VERSION,
  declares: {
    // the index is v4's instruction in the padding, which the model's decoder reads back
    index: 'padding-insn',
    // any free slot may be chosen (the grace period can skip the lowest one)
    slotPolicy: 'any-free',
    // kfunc_md_get under the caller's kfunc_md_lock(); put and put_by_ip lock themselves
    locking: V4_LOCKING,
    readers: { rcu: true, norcu: true },
  },
  // one fresh store per scenario, on the freshly booted kernel the harness hands over
  create: (kernel: Kernel) => new LockedStore(kernel, hooksFor(kernel), MY_LAYOUT),
};
