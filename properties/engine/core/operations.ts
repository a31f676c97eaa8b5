import { sourcesOfWindow } from './padding-bytes.ts';

/**
 * The operations kfmd issues, as plain JSON data, in one vocabulary for both drivers:
 * fast-check generates them, the sequential executor and the simulated CPUs run them,
 * counterexample files store them and `kfmd replay` runs them again. Each is described once,
 * as the C a kernel developer would write (describeOperation).
 */
export type Operation =
  /** kfunc_md_lock() */
  | { readonly op: 'lock' }
  /** kfunc_md_unlock() */
  | { readonly op: 'unlock' }
  /** md_fn = kfunc_md_get(fn), the caller holding kfunc_md_mutex (or not: the lock-misuse suite) */
  | { readonly op: 'get'; readonly fn: string }
  /** kfunc_md_lock(); md_fn = kfunc_md_get(fn); kfunc_md_unlock(); as one operation (a CPU's writer) */
  | { readonly op: 'locked_get'; readonly fn: string }
  /** kfunc_md_put(md_fn) with the md from the caller's latest get of fn; `stale` passes it as it was then, across any growth since (D6) */
  | { readonly op: 'put'; readonly fn: string; readonly stale?: boolean }
  /** kfunc_md_put_by_ip(fn) */
  | { readonly op: 'put_by_ip'; readonly fn: string }
  /** kfunc_md_find(fn) */
  | { readonly op: 'find'; readonly fn: string }
  /** the global trampoline's reader: [rcu_read_lock();] md = kfunc_md_find(fn); md->users; md->func [; rcu_read_unlock();] */
  | { readonly op: 'tramp'; readonly fn: string; readonly rcu: boolean }
  /** a fault: the next allocation fails (page allocator or slab, whichever comes first) */
  | { readonly op: 'fail_alloc' }
  /**
   * the kernel's deferred activity catches up: every pending RCU callback of every flavour runs
   * (rcu_barrier(); rcu_barrier_tasks(); rcu_barrier_tasks_trace();) and every scheduled work item
   * (flush_scheduled_work();), until nothing is pending
   */
  | { readonly op: 'quiesce' }
  /** a fault: another subsystem writes these bytes over fn's md window */
  | { readonly op: 'foreign_write'; readonly fn: string; readonly bytes: readonly number[] };

export type OperationKind = Operation['op'];

/** What a simulated CPU may run: the model judges each as one atomic operation (no bare lock/unlock across CPUs). */
export const CONCURRENT_OPERATIONS = [
  'locked_get',
  'put',
  'put_by_ip',
  'tramp',
] as const satisfies readonly OperationKind[];
export type ConcurrentOperation = Extract<Operation, { readonly op: (typeof CONCURRENT_OPERATIONS)[number] }>;

/** The function an operation is about, if any. */
export function operationFn(op: Operation): string | null {
  return 'fn' in op ? op.fn : null;
}

/** An operation written as a kernel developer would write the call. */
export function describeOperation(op: Operation): string {
  switch (op.op) {
    case 'lock':
      return 'kfunc_md_lock();';
    case 'unlock':
      return 'kfunc_md_unlock();';
    case 'get':
      return `md_${op.fn} = kfunc_md_get(${op.fn});`;
    case 'locked_get':
      return `kfunc_md_lock(); md_${op.fn} = kfunc_md_get(${op.fn}); kfunc_md_unlock();`;
    case 'put':
      return op.stale ? `kfunc_md_put(md_${op.fn}); /* pointer held across growth */` : `kfunc_md_put(md_${op.fn});`;
    case 'put_by_ip':
      return `kfunc_md_put_by_ip(${op.fn});`;
    case 'find':
      return `kfunc_md_find(${op.fn});`;
    case 'tramp':
      return op.rcu
        ? `rcu_read_lock(); md = kfunc_md_find(${op.fn}); md->users, md->func; rcu_read_unlock();`
        : `md = kfunc_md_find(${op.fn}); md->users, md->func; /* no rcu_read_lock */`;
    case 'fail_alloc':
      return '/* fault */ fail_next_allocation();';
    case 'quiesce':
      return '/* quiesce */ rcu_barrier(); rcu_barrier_tasks(); rcu_barrier_tasks_trace(); flush_scheduled_work();';
    case 'foreign_write': {
      const hex = op.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      const what = bytesKnownAs(op.bytes);
      return `/* fault */ foreign_write(${op.fn} md window, ${hex});${what ? ` /* ${what} */` : ''}`;
    }
  }
}

/**
 * What real kernel bytes a foreign write's window could be (spec §4.1), so a reader sees "kCFI
 * preamble" rather than hex. The window size names the arch: KFUNC_MD_INSN_SIZE is 5 on x86 and
 * 4 on arm64, and every generated foreign write covers exactly the window.
 */
function bytesKnownAs(bytes: readonly number[]): string | null {
  const arch = bytes.length === 5 ? 'x86' : bytes.length === 4 ? 'arm64' : null;
  if (arch === null) return null;
  // the short name: what a source's label says before its parenthesised details
  const names = [...new Set(sourcesOfWindow(arch, bytes).map((n) => n.replace(/ \(.*$/, '')))];
  if (names.length === 0) return null;
  return names.length > 2 ? `${names.slice(0, 2).join(' or ')} or ${names.length - 2} more` : names.join(' or ');
}

/** Structural validation of one operation read from a file. */
export function isOperation(value: unknown): value is Operation {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const fnOk = typeof v['fn'] === 'string';
  switch (v['op']) {
    case 'lock':
    case 'unlock':
    case 'fail_alloc':
    case 'quiesce':
      return true;
    case 'get':
    case 'locked_get':
    case 'put_by_ip':
    case 'find':
      return fnOk;
    case 'tramp':
      return fnOk && typeof v['rcu'] === 'boolean';
    case 'put':
      return fnOk && (v['stale'] === undefined || typeof v['stale'] === 'boolean');
    case 'foreign_write':
      return fnOk && Array.isArray(v['bytes']) && v['bytes'].every((b) => Number.isInteger(b) && b >= 0 && b <= 255);
    default:
      return false;
  }
}

export function isConcurrentOperation(value: unknown): value is ConcurrentOperation {
  return isOperation(value) && (CONCURRENT_OPERATIONS as readonly string[]).includes(value.op);
}
