import type { Declarations } from '../../../impl/contract/index.ts';
import type { OperationKind } from '../core/operations.ts';
import type { SuiteName } from '../core/scenario.ts';

export type { SuiteName } from '../core/scenario.ts';

/**
 * A property suite: which commands the generator may issue. `contract` is a
 * well-behaved caller on a healthy kernel; each other suite adds one class of
 * fault or misuse, so that every finding is reported under its own cause.
 */

export interface Suite {
  readonly name: SuiteName;
  readonly description: string;
  /** false: only the kernel's documented contract is exercised (no faults, no misuse) */
  readonly faulty: boolean;
  readonly ops: readonly OperationKind[];
  /** the caller respects the lock contract (get under the mutex, put without it) */
  readonly keepsLockContract: boolean;
  /** ...except that it calls put/put_by_ip while holding kfunc_md_lock */
  readonly putUnderLock?: boolean;
  /** ...except that it may put an md again after its last reference is gone */
  readonly doublePut?: boolean;
  /** some generated functions have no padding */
  readonly unpadded: boolean;
  /** what foreign writes put in windows: other code, or forged metadata instructions */
  readonly foreign: 'bytes' | 'insn' | null;
  /** put passes the pointer held since get, across growth */
  readonly stalePointers: boolean;
}

const CORE: readonly OperationKind[] = ['lock', 'unlock', 'get', 'put', 'put_by_ip', 'find', 'quiesce'];

export const SUITES: readonly Suite[] = [
  {
    name: 'contract',
    description: 'well-behaved callers, healthy kernel: get/put/put_by_ip/find under the documented lock contract',
    faulty: false,
    ops: CORE,
    keepsLockContract: true,
    unpadded: false,
    foreign: null,
    stalePointers: false,
  },
  {
    name: 'alloc-failure',
    description: 'page allocation fails at any allocation (first array or growth)',
    faulty: true,
    ops: [...CORE, 'fail_alloc'],
    keepsLockContract: true,
    unpadded: false,
    foreign: null,
    stalePointers: false,
  },
  {
    name: 'double-put',
    description: 'a caller puts an md it no longer holds (a refcount bug in a user): WARN, and nothing else may change',
    faulty: true,
    ops: CORE,
    keepsLockContract: true,
    doublePut: true,
    unpadded: false,
    foreign: null,
    stalePointers: false,
  },
  {
    name: 'foreign-bytes',
    description:
      'another subsystem writes real padding bytes over a window (kCFI, FineIBT, call thunks, int3/JIT fill, ENDBR; arm64 BTI, BRK, the CALL_OPS literal: engine/core/padding-bytes.ts)',
    faulty: true,
    ops: [...CORE, 'foreign_write'],
    keepsLockContract: true,
    unpadded: false,
    foreign: 'bytes',
    stalePointers: false,
  },
  {
    name: 'forged-insn',
    description: 'a window receives a metadata instruction nobody installed (stale copy, module text reuse)',
    faulty: true,
    ops: [...CORE, 'foreign_write'],
    keepsLockContract: true,
    unpadded: false,
    foreign: 'insn',
    stalePointers: false,
  },
  {
    name: 'unpadded',
    description:
      'operations on functions without padding (arm64 notrace, x86 asm): the bytes before them belong to the previous function',
    faulty: true,
    ops: CORE,
    keepsLockContract: true,
    unpadded: true,
    foreign: null,
    stalePointers: false,
  },
  {
    name: 'put-under-lock',
    description: 'callers keep get under kfunc_md_lock but also call put/put_by_ip while holding it',
    faulty: true,
    ops: CORE,
    keepsLockContract: true,
    putUnderLock: true,
    unpadded: false,
    foreign: null,
    stalePointers: false,
  },
  {
    name: 'lock-misuse',
    description:
      'callers ignore the lock contract: lock, unlock, get, put in any order (get without the mutex, double lock, double put)',
    faulty: true,
    ops: CORE,
    keepsLockContract: false,
    unpadded: false,
    foreign: null,
    stalePointers: false,
  },
  {
    name: 'stale-md',
    description: 'callers keep the md pointer from get and pass it to put after the array may have grown',
    faulty: true,
    ops: CORE,
    keepsLockContract: true,
    unpadded: false,
    foreign: null,
    stalePointers: true,
  },
];

export function suiteByName(name: string): Suite {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) throw new Error(`unknown property suite "${name}" (known: ${SUITES.map((s) => s.name).join(', ')})`);
  return suite;
}

/**
 * null when a suite applies to an implementation declaring `d`, else why it does not. The
 * model knows v4's lock discipline only, and the text faults need an index instruction in
 * the padding to aim at.
 */
export function suiteInapplicable(suite: Suite, d: Declarations): string | null {
  const l = d.locking;
  if (suite.putUnderLock && (l.put === 'caller-holds' || l.put_by_ip === 'caller-holds')) {
    return `the implementation's put${l.put === 'caller-holds' ? '' : '_by_ip'} is called with kfunc_md_mutex held by contract: there is no misuse to inject`;
  }
  if (suite.foreign !== null && d.index !== 'padding-insn') {
    return `the suite writes over the md instruction in the padding; the implementation keeps its index in '${d.index}'`;
  }
  if (suite.unpadded && d.index === 'padding-pointer') {
    return `the model does not specify a pointer in the padding; the implementation keeps its index in '${d.index}'`;
  }
  if (suite.doublePut && d.index === 'none') {
    return 'the design frees an md (by RCU) after its last put: a second put is a use-after-free in the caller, which the design does not promise to detect';
  }
  return null;
}
