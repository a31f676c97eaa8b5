import type { Implementation, KfuncMdStore, TrampolineView } from '../contract/index.ts';
import type { Op } from '../kernel/types.ts';
import { locked } from '../locked/store.ts';

/**
 * `locked` with trampoline readers that never find an md: no per-step safety check can object
 * (nothing is freed, nothing torn, nothing foreign), only linearizability against the model.
 */
export const blindReaders: Implementation = {
  ...locked,
  name: 'blind',
  description: 'locked, with trampoline readers that never find an md',
  create: (kernel) => {
    const store = locked.create(kernel);
    return Object.assign(Object.create(store) as KfuncMdStore, {
      *trampoline(): Op<TrampolineView> {
        yield* kernel.mem.rcuReadLock();
        yield* kernel.mem.rcuReadUnlock();
        return { md: 0, users: 0, func: 0 };
      },
    });
  },
};
