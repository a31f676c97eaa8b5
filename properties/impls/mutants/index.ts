import type { Implementation } from '../../../impl/contract/index.ts';
import { bigEndianIndex } from './big-endian-index.ts';
import { ebusyInverted } from './ebusy-inverted.ts';
import { ebusyNoRollback } from './ebusy-no-rollback.ts';
import { findNoBoundCheck } from './find-no-bound-check.ts';
import { freeWithNewOrder } from './free-with-new-order.ts';
import { funcNotSet } from './func-not-set.ts';
import { growCopyOneShort } from './grow-copy-one-short.ts';
import { growFreeNewArray } from './grow-free-new-array.ts';
import { growNoInitUpper } from './grow-no-init-upper.ts';
import { growLeaksOldArray } from './grow-leaks-old-array.ts';
import { growOneEarly } from './grow-one-early.ts';
import { growPublishBeforeCopy } from './grow-publish-before-copy.ts';
import { noAlreadyEqual } from './no-already-equal.ts';
import { noRestoreAtZero } from './no-restore-at-zero.ts';
import { putByIpNoUnlock } from './put-by-ip-no-unlock.ts';
import { putByIpTwice } from './put-by-ip-twice.ts';
import { repokeEqual } from './repoke-equal.ts';
import { scanFromOne } from './scan-from-one.ts';
import { shrinkWhenEmpty } from './shrink-when-empty.ts';
import { shrinkWhenSparse } from './shrink-when-sparse.ts';
import { sixByteWrite } from './six-byte-write.ts';
import { trampolineReadsPad0 } from './trampoline-reads-pad0.ts';
import { usedNotDecremented } from './used-not-decremented.ts';
import { wrongArm64Nop } from './wrong-arm64-nop.ts';
import { wrongOffsetCaseB } from './wrong-offset-case-b.ts';

/**
 * v4 with one deliberate bug each: evidence that the property suites catch the class of bug
 * their checks name (mutants.test.ts). Arch-hook bugs first, then the generic core in call order.
 */
export const MUTANTS: readonly Implementation[] = [
  wrongOffsetCaseB,
  bigEndianIndex,
  wrongArm64Nop,
  sixByteWrite,
  findNoBoundCheck,
  noAlreadyEqual,
  repokeEqual,
  ebusyInverted,
  ebusyNoRollback,
  funcNotSet,
  scanFromOne,
  growOneEarly,
  growCopyOneShort,
  growNoInitUpper,
  growFreeNewArray,
  freeWithNewOrder,
  growLeaksOldArray,
  growPublishBeforeCopy,
  noRestoreAtZero,
  usedNotDecremented,
  putByIpTwice,
  putByIpNoUnlock,
  shrinkWhenEmpty,
  shrinkWhenSparse,
  trampolineReadsPad0,
];
