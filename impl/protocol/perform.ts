import type { Kernel } from '../kernel/kernel.ts';
import type { Op } from '../kernel/types.ts';
import { ProtocolFailure } from './failure.ts';
import type { Call, MessageType } from './messages.ts';
import type { Reply } from './requests.ts';

/** Which calls each phase accepts (besides `ret` and `bug`): a verb touches shared state only. */
const SHARED = new Set<MessageType>([
  'load8',
  'load32',
  'load64',
  'store8',
  'store32',
  'store64',
  'mutex_lock',
  'mutex_unlock',
  'rcu_read_lock',
  'rcu_read_unlock',
  'synchronize_rcu',
  'alloc_pages',
  'free_pages',
  'warn',
]);
const CREATE = new Set<MessageType>(['define_static', 'warn']);
const INSPECT = new Set<MessageType>(['is_mapped', 'peek']);
const WHY: Readonly<Record<'create' | 'verb' | 'inspect', string>> = {
  create: 'create may only define statics',
  verb: 'a verb may only touch shared state (a peek or a static would be no scheduling point)',
  inspect: 'inspect may only peek',
};

export type Phase = keyof typeof WHY;

/** A call the phase does not allow is malformed: the process is in an unknown state. */
export function allowed(call: Call, phase: Phase, during: string): void {
  const ok = phase === 'verb' ? SHARED : phase === 'create' ? CREATE : INSPECT;
  if (!ok.has(call.t)) throw new ProtocolFailure(`malformed message during ${during}: ${call.t}: ${WHY[phase]}`, true);
}

/**
 * A verb's call on the simulated kernel, through the same Memory methods a TypeScript store
 * uses: each yields its Step (one scheduling point; a blocked mutex or grace period re-yields)
 * and acts when resumed. Returns what the implementation is answered.
 */
export function* performShared(call: Call, kernel: Kernel): Op<Reply> {
  const mem = kernel.mem;
  switch (call.t) {
    case 'load8':
      return yield* mem.load8(call.addr);
    case 'load32':
      return yield* mem.load32(call.addr);
    case 'load64':
      return yield* mem.load64(call.addr);
    case 'store8':
      yield* mem.store8(call.addr, call.value);
      return undefined;
    case 'store32':
      yield* mem.store32(call.addr, call.value);
      return undefined;
    case 'store64':
      yield* mem.store64(call.addr, call.value);
      return undefined;
    case 'mutex_lock':
      yield* mem.mutexLock(call.lock);
      return undefined;
    case 'mutex_unlock':
      yield* mem.mutexUnlock(call.lock);
      return undefined;
    case 'rcu_read_lock':
      yield* mem.rcuReadLock();
      return undefined;
    case 'rcu_read_unlock':
      yield* mem.rcuReadUnlock();
      return undefined;
    case 'synchronize_rcu':
      yield* mem.synchronizeRcu();
      return undefined;
    case 'alloc_pages':
      return yield* mem.allocPages(call.order);
    case 'free_pages':
      yield* mem.freePages(call.addr, call.order);
      return undefined;
    case 'warn':
    case 'define_static':
    case 'is_mapped':
    case 'peek':
      return performQuiet(call, kernel);
  }
}

/** The calls that are no scheduling point: WARN, and create's and inspect's. */
export function performQuiet(call: Call, kernel: Kernel): Reply {
  const mem = kernel.mem;
  switch (call.t) {
    case 'warn':
      kernel.warn(call.site, call.message);
      return undefined;
    case 'define_static':
      return kernel.defineStatic(call.name, call.bytes);
    case 'is_mapped':
      return mem.isMapped(call.addr, call.size);
    case 'peek':
      return mem.isMapped(call.addr, call.size)
        ? Buffer.from(mem.peekBytes(call.addr, call.size)).toString('hex')
        : null;
    case 'load8':
    case 'load32':
    case 'load64':
    case 'store8':
    case 'store32':
    case 'store64':
    case 'mutex_lock':
    case 'mutex_unlock':
    case 'rcu_read_lock':
    case 'rcu_read_unlock':
    case 'synchronize_rcu':
    case 'alloc_pages':
    case 'free_pages':
      throw new Error(`${call.t} is a shared access: performShared yields it`);
  }
}
