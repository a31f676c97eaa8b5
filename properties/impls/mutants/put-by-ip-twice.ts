import { toI32 } from '../../../impl/kernel/le.ts';
import type { Addr, Op } from '../../../impl/kernel/types.ts';
import { MD_USERS } from '../../../impl/v4/layout.ts';
import { V4Store } from '../../../impl/v4/store.ts';
import { mutant } from './define.ts';

/** put_by_ip drops the reference itself and then calls __put, which drops it again. */
class PutByIpTwice extends V4Store {
  override *putByIp(ip: Addr): Op<void> {
    yield* this.lock();
    const md = yield* this.find(ip);
    if (md) {
      const users = toI32(yield* this.mem.load32(md + MD_USERS));
      yield* this.mem.store32(md + MD_USERS, users - 1);
      yield* this.putLocked(md);
    }
    yield* this.unlock();
  }
}

export const putByIpTwice = mutant(
  'put-by-ip-twice',
  'put_by_ip decrements users itself and again in __put (two references dropped per call)',
  (kernel) => new PutByIpTwice(kernel),
);
