import type { RaceOutcome } from './races.ts';
import type { MutantCatch, Outcome } from './settings.ts';

/** v4's outcomes (see settings.ts); regenerate with generate-baseline.ts when the suites change. */
export const BASELINE: Readonly<Record<string, Readonly<Record<string, Outcome>>>> = {
  'x86-A16': {
    contract: {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'D3',
      check: 'I2',
      message: 'kfunc_md_used is 1 but 0 slot(s) have users > 0',
      commands: 5,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'window',
      message: 'md window of f1 at ip-16: implementation 90 90 90 90 90, model expects b8 04 00 00 00',
      commands: 6,
    },
    unpadded: {
      verdict: 'D8',
      check: 'result',
      message:
        'md_nopad0 = kfunc_md_get(nopad0); returned md #0 (entry func nopad0, users 1); the model expects NULL (no-padding)',
      commands: 2,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message:
        'kfunc_md_get requires the caller to hold kfunc_md_mutex (D10: data race on used/count/users); the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D6',
      check: 'I5',
      message: 'read-freed at 0xffff88800000: load32 from freed pages@order0 at 0xffff88800000',
      commands: 10,
    },
  },
  'x86-A16-thunks': {
    contract: {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'D3',
      check: 'I2',
      message: 'kfunc_md_used is 1 but 0 slot(s) have users > 0',
      commands: 5,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'result',
      message:
        'md_indirect0 = kfunc_md_get(indirect0); returned md #0 (entry func f0, users 2); the model expects NULL (ebusy)',
      commands: 10,
    },
    unpadded: {
      verdict: 'D8',
      check: 'result',
      message:
        'md_nopad0 = kfunc_md_get(nopad0); returned md #0 (entry func nopad0, users 1); the model expects NULL (no-padding)',
      commands: 2,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message: 'kfunc_md_unlock without holding kfunc_md_mutex; the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D6',
      check: 'I5',
      message: 'read-freed at 0xffff88800010: load32 from freed pages@order0 at 0xffff88800010',
      commands: 12,
    },
  },
  'x86-A64': {
    contract: {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'D3',
      check: 'I2',
      message: 'kfunc_md_used is 1 but 0 slot(s) have users > 0',
      commands: 6,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'I2',
      message: 'kfunc_md_used is 1 but 2 slot(s) have users > 0',
      commands: 7,
    },
    unpadded: {
      verdict: 'D8',
      check: 'state',
      message: 'capacity 4; the model expects 2',
      commands: 6,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message:
        'kfunc_md_get requires the caller to hold kfunc_md_mutex (D10: data race on used/count/users); the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D6',
      check: 'I5',
      message: 'read-freed at 0xffff88800000: load32 from freed pages@order0 at 0xffff88800000',
      commands: 8,
    },
  },
  'x86-B-kcfi': {
    contract: {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'D3',
      check: 'I2',
      message: 'kfunc_md_used is 1 but 0 slot(s) have users > 0',
      commands: 5,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 3,
    },
    unpadded: {
      verdict: 'D8',
      check: 'I5',
      message: 'read-unmapped at 0x10: load32 from unmapped 0x10',
      commands: 1,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message: 'kfunc_md_unlock without holding kfunc_md_mutex; the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D6',
      check: 'I5',
      message: 'read-freed at 0xffff88800010: load32 from freed pages@order0 at 0xffff88800010',
      commands: 8,
    },
  },
  'x86-C-kcfi-kconfig-thunks': {
    contract: {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 3,
    },
    unpadded: {
      verdict: 'D8',
      check: 'window',
      message: 'md window of f0 at ip-19: implementation 90 90 90 90 90, model expects b8 00 00 00 00',
      commands: 4,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message:
        'kfunc_md_get requires the caller to hold kfunc_md_mutex (D10: data race on used/count/users); the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D6',
      check: 'I5',
      message: 'read-freed at 0xffff88800010: load32 from freed pages@order0 at 0xffff88800010',
      commands: 8,
    },
  },
  'x86-C-fineibt-kconfig': {
    contract: {
      verdict: 'D12',
      check: 'I7',
      message:
        'kfunc_md_get(f0) fails with -EBUSY on an untouched function: its md window is not free at boot (md [-19,-14) overlaps fineibt [-16,0)), so get fails on every function of its shape (kcfi)',
      commands: 2,
    },
    'alloc-failure': {
      verdict: 'D12',
      check: 'I7',
      message:
        'kfunc_md_get(f0) fails with -EBUSY on an untouched function: its md window is not free at boot (md [-19,-14) overlaps fineibt [-16,0)), so get fails on every function of its shape (kcfi)',
      commands: 2,
    },
    'double-put': {
      verdict: 'D12',
      check: 'I7',
      message:
        'kfunc_md_get(f0) fails with -EBUSY on an untouched function: its md window is not free at boot (md [-19,-14) overlaps fineibt [-16,0)), so get fails on every function of its shape (kcfi)',
      commands: 2,
    },
    'foreign-bytes': {
      verdict: 'D12',
      check: 'I7',
      message:
        'kfunc_md_get(f0) fails with -EBUSY on an untouched function: its md window is not free at boot (md [-19,-14) overlaps fineibt [-16,0)), so get fails on every function of its shape (kcfi)',
      commands: 2,
    },
    'forged-insn': {
      verdict: 'D12',
      check: 'I7',
      message:
        'kfunc_md_get(f0) fails with -EBUSY on an untouched function: its md window is not free at boot (md [-19,-14) overlaps fineibt [-16,0)), so get fails on every function of its shape (kcfi)',
      commands: 2,
    },
    unpadded: {
      verdict: 'D12',
      check: 'I7',
      message:
        'kfunc_md_get(f0) fails with -EBUSY on an untouched function: its md window is not free at boot (md [-19,-14) overlaps fineibt [-16,0)), so get fails on every function of its shape (kcfi)',
      commands: 2,
    },
    'put-under-lock': {
      verdict: 'D12',
      check: 'I7',
      message:
        'kfunc_md_get(f0) fails with -EBUSY on an untouched function: its md window is not free at boot (md [-19,-14) overlaps fineibt [-16,0)), so get fails on every function of its shape (kcfi)',
      commands: 2,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message: 'kfunc_md_unlock without holding kfunc_md_mutex; the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D12',
      check: 'I7',
      message:
        'kfunc_md_get(f0) fails with -EBUSY on an untouched function: its md window is not free at boot (md [-19,-14) overlaps fineibt [-16,0)), so get fails on every function of its shape (kcfi)',
      commands: 2,
    },
  },
  'x86-C-fineibt-intent': {
    contract: {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'D3',
      check: 'I2',
      message: 'kfunc_md_used is 1 but 0 slot(s) have users > 0',
      commands: 5,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'I2',
      message: 'kfunc_md_used is 1 but 2 slot(s) have users > 0',
      commands: 6,
    },
    unpadded: {
      verdict: 'D8',
      check: 'window',
      message: 'md window of f0 at ip-24: implementation 90 90 90 90 90, model expects b8 00 00 00 00',
      commands: 4,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message:
        'kfunc_md_get requires the caller to hold kfunc_md_mutex (D10: data race on used/count/users); the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D6',
      check: 'I5',
      message: 'read-freed at 0xffff88800000: load32 from freed pages@order0 at 0xffff88800000',
      commands: 8,
    },
  },
  'x86-C-fineibt-pre2025-intent': {
    contract: {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'D3',
      check: 'I2',
      message: 'kfunc_md_used is 1 but 0 slot(s) have users > 0',
      commands: 5,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); returned md #0 (entry func static0, users 2); the model expects NULL (ebusy)',
      commands: 4,
    },
    unpadded: {
      verdict: 'D8',
      check: 'result',
      message:
        'md_nopad0 = kfunc_md_get(nopad0); returned md #0 (entry func nopad0, users 1); the model expects NULL (no-padding)',
      commands: 2,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message:
        'kfunc_md_get requires the caller to hold kfunc_md_mutex (D10: data race on used/count/users); the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D6',
      check: 'I5',
      message: 'read-freed at 0xffff88800000: load32 from freed pages@order0 at 0xffff88800000',
      commands: 9,
    },
  },
  'arm64-md-1,1': {
    contract: {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'D8b',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 3,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 6,
    },
    unpadded: {
      verdict: 'D8',
      check: 'result',
      message: 'md_nopad0 = kfunc_md_get(nopad0); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 2,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message:
        'kfunc_md_get requires the caller to hold kfunc_md_mutex (D10: data race on used/count/users); the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D6',
      check: 'I5',
      message: 'read-freed at 0xffff88800010: load32 from freed pages@order0 at 0xffff88800010',
      commands: 8,
    },
  },
  'arm64-args8-4,2-bti': {
    contract: {
      verdict: 'D13',
      check: 'I10',
      message:
        'ftrace_call_adjust(0xffff81000008) for f0 (rec->ip = ip-8) returns ip+4; the BL site is ip+8, the second NOP after `bti c` at ip+0: ftrace_init_nop would take ip+0 (0xd503245f) for the NOP it patches to `mov x9, x30`',
      commands: 0,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'D8b',
      check: 'result',
      message: 'md_f1 = kfunc_md_get(f1); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 3,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'result',
      message: 'md_f1 = kfunc_md_get(f1); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 6,
    },
    unpadded: {
      verdict: 'D8',
      check: 'result',
      message: 'md_nopad0 = kfunc_md_get(nopad0); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 2,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message:
        'kfunc_md_get requires the caller to hold kfunc_md_mutex (D10: data race on used/count/users); the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'D6',
      check: 'I5',
      message: 'read-freed at 0xffff88800000: load32 from freed pages@order0 at 0xffff88800000',
      commands: 7,
    },
  },
  'arm64-callops-6,4': {
    contract: {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'alloc-failure': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'double-put': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
    'foreign-bytes': {
      verdict: 'D8b',
      check: 'result',
      message: 'kfunc_md_find(f3); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 5,
    },
    'forged-insn': {
      verdict: 'D8b',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 3,
    },
    unpadded: {
      verdict: 'D8',
      check: 'I5',
      message: 'read-unmapped at 0x10: load32 from unmapped 0x10',
      commands: 1,
    },
    'put-under-lock': {
      verdict: 'D10',
      check: 'contract',
      message:
        'kfunc_md_put_by_ip takes kfunc_md_mutex itself: called with it held, it self-deadlocks (D10); the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 3,
    },
    'lock-misuse': {
      verdict: 'D10u',
      check: 'contract',
      message:
        'kfunc_md_get requires the caller to hold kfunc_md_mutex (D10: data race on used/count/users); the implementation returned normally',
      commands: 1,
    },
    'stale-md': {
      verdict: 'holds',
      check: null,
      message: null,
      commands: null,
    },
  },
};

/** Where each known mutant is first told apart from v4 on those configurations, and what the suite reports for it. */
export const MUTANT_BASELINE: Readonly<Record<string, MutantCatch>> = {
  'mutant:wrong-offset-caseB': {
    config: 'x86-B-kcfi',
    suite: 'contract',
    outcome: {
      verdict: 'window',
      check: 'window',
      message: 'md window of f0 at ip-5: implementation 00 00 00 00 90, model expects b8 00 00 00 00',
      commands: 2,
    },
  },
  'mutant:big-endian-index': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'window',
      check: 'window',
      message: 'md window of f0 at ip-16: implementation b8 00 00 00 01, model expects b8 01 00 00 00',
      commands: 3,
    },
  },
  'mutant:wrong-arm64-nop': {
    config: 'arm64-md-1,1',
    suite: 'contract',
    outcome: {
      verdict: 'result',
      check: 'result',
      message: 'kfunc_md_find(f0); hit WARN_ON_ONCE (find-bound); the model expects no WARN',
      commands: 1,
    },
  },
  'mutant:six-byte-write': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'I6',
      check: 'I6',
      message: 'byte f0 ip-11 (0xffff81000015) changed 90 → 90: outside every md window',
      commands: 2,
    },
  },
  'mutant:find-no-bound-check': {
    config: 'x86-B-kcfi',
    suite: 'forged-insn',
    outcome: {
      verdict: 'D8b',
      check: 'I5',
      message: 'read-unmapped at 0x40: load32 from unmapped 0x40',
      commands: 3,
    },
  },
  'mutant:no-already-equal': {
    config: 'x86-C-fineibt-pre2025-intent',
    suite: 'forged-insn',
    outcome: {
      verdict: 'D8b',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); returned NULL; the model expects md #0',
      commands: 3,
    },
  },
  'mutant:repoke-equal': {
    config: 'x86-C-fineibt-pre2025-intent',
    suite: 'forged-insn',
    outcome: {
      verdict: 'D8b',
      check: 'pokes',
      message:
        "text_poke into f0's window, which already held b8 00 00 00 00: the decision table (spec §2.4) writes nothing there",
      commands: 3,
    },
  },
  'mutant:ebusy-inverted': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'result',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); returned NULL; the model expects md #0',
      commands: 2,
    },
  },
  'mutant:ebusy-no-rollback': {
    config: 'x86-A16-thunks',
    suite: 'foreign-bytes',
    outcome: {
      verdict: 'D3',
      check: 'state',
      message: 'kfunc_md_used is 1; the model expects 0',
      commands: 3,
    },
  },
  'mutant:func-not-set': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'I1',
      check: 'I1',
      message: "f0's window holds index 0, whose entry has func 0xa5a5a5a5a5a5a800 and users 1",
      commands: 2,
    },
  },
  'mutant:scan-from-one': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'result',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); returned md #1 (entry func f0, users 1); the model expects md #0',
      commands: 2,
    },
  },
  'mutant:grow-one-early': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'result',
      check: 'result',
      message: 'md_f0 = kfunc_md_get(f0); returned md #2 (entry func f0, users 1); the model expects md #1',
      commands: 3,
    },
  },
  'mutant:grow-copy-one-short': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'I2',
      check: 'I2',
      message: 'kfunc_md_used is 3 but 2 slot(s) have users > 0',
      commands: 6,
    },
  },
  'mutant:grow-no-init-upper': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'I2',
      check: 'I2',
      message: 'kfunc_md_used is 3 but 2 slot(s) have users > 0',
      commands: 6,
    },
  },
  'mutant:grow-free-new-array': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'I5',
      check: 'I5',
      message: 'read-freed at 0xffff88800060: load32 from freed pages@order1 at 0xffff88800060',
      commands: 6,
    },
  },
  'mutant:free-with-new-order': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'I5',
      check: 'I5',
      message: 'free-order-mismatch at 0xffff88800000: free_pages(0xffff88800000, 1) with the wrong order',
      commands: 6,
    },
  },
  'mutant:grow-leaks-old-array': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'pages',
      check: 'pages',
      message: 'leak: live page block(s) 0xffff88800000 (order 0) are neither the current array nor kept by the store',
      commands: 6,
    },
  },
  'mutant:no-restore-at-zero': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'window',
      check: 'window',
      message: 'md window of f0 at ip-16: implementation b8 00 00 00 00, model expects 90 90 90 90 90',
      commands: 4,
    },
  },
  'mutant:used-not-decremented': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'I2',
      check: 'I2',
      message: 'kfunc_md_used is 1 but 0 slot(s) have users > 0',
      commands: 4,
    },
  },
  'mutant:put-by-ip-twice': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'result',
      check: 'result',
      message: 'kfunc_md_put_by_ip(f0); hit WARN_ON_ONCE (put-users); the model expects no WARN',
      commands: 4,
    },
  },
  'mutant:put-by-ip-no-unlock': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'deadlock',
      check: 'deadlock',
      message:
        'the model expected progress; the implementation: self-deadlock: cpu0 takes kfunc_md_mutex while holding it',
      commands: 2,
    },
  },
  'mutant:shrink-when-sparse': {
    config: 'x86-B-kcfi',
    suite: 'contract',
    outcome: {
      verdict: 'I3',
      check: 'I3',
      message: "f1's window holds index 2 but the capacity is 2",
      commands: 11,
    },
  },
  'mutant:trampoline-reads-pad0': {
    config: 'x86-A16',
    suite: 'contract',
    outcome: {
      verdict: 'reader',
      check: 'reader',
      message: 'the trampoline on f0 read users -1515870811 in md #0; the model expects 1',
      commands: 3,
    },
  },
};

/** v4's races under races.ts's searches: the run that found each, and the shrunk counterexample. */
export const RACE_BASELINE: Readonly<Record<string, RaceOutcome>> = {
  D1: {
    finding: 'D1',
    runsUntilFailure: 41,
    cpus: 2,
    ops: 3,
    message:
      'cpu1 `rcu_read_lock(); md = kfunc_md_find(f0); md->users, md->func; rcu_read_unlock();` got md #0 (A0) with func f0 and users 0',
  },
  D2: {
    finding: 'D2',
    runsUntilFailure: 1052,
    cpus: 2,
    ops: 2,
    message:
      'cpu1 `rcu_read_lock(); md = kfunc_md_find(f0); md->users, md->func; rcu_read_unlock();` got md #0 (A0) with func 0xa5a5a5a5a5a5a800 (not a function: stale or uninitialised) and users 1; a get(f0) on another CPU was publishing it meanwhile (instruction first, md->func after)',
  },
  D6: {
    finding: 'D6',
    runsUntilFailure: 730,
    cpus: 1,
    ops: 3,
    message:
      'cpu0 `kfunc_md_put(md_f0);`: md_f0 = 0xffff88800000 is slot 0 of array A0, which has been freed (the array grew after get returned)',
  },
  'D7-warn': {
    finding: 'D7-warn',
    runsUntilFailure: 286,
    cpus: 2,
    ops: 2,
    message:
      "cpu1 WARN find-bound after reading f0's window mid-poke as b8 90 90 90 90: kfunc_md_find(0xffff81000020): index 2425393296 >= count 1",
  },
  'D7-index': {
    finding: 'D7-index',
    runsUntilFailure: 2956,
    cpus: 2,
    ops: 3,
    message: "cpu1 read f0's window mid-poke as b8 90 00 00 00 = index 144 (< count 256), an instruction nobody wrote",
  },
  NORCU: {
    finding: 'NORCU',
    runsUntilFailure: 138,
    cpus: 2,
    ops: 3,
    message:
      'cpu1 during `md = kfunc_md_find(f0); md->users, md->func; /* no rcu_read_lock */`: load32 from freed pages@order0 at 0xffff88800000',
  },
};
