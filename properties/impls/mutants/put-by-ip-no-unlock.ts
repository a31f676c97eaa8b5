import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** put_by_ip returns early when the function has no md, still holding kfunc_md_mutex. */
class PutByIpNoUnlock extends V4Store {
  override *putByIp(ip: Addr): Op<void> {
    yield* this.lock();
    const md = yield* this.find(ip);
    if (!md) return;
    yield* this.putLocked(md);
    yield* this.unlock();
  }
}

export const putByIpNoUnlock = mutant(
  'put-by-ip-no-unlock',
  'put_by_ip on a function without md returns with kfunc_md_mutex still held (the next locker hangs)',
  (kernel) => new PutByIpNoUnlock(kernel),
);
