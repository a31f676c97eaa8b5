/** Public surface of the byte-level implementation side (impl/ never imports model/ or properties/). */
export type { Addr, Op, Step, StepKind } from './kernel/types.ts';
export { EBUSY, EFAULT, EINVAL } from './kernel/types.ts';
export { ENOMEM, ENOENT, E2BIG, EAGAIN, EEXIST } from './kernel/types.ts';
export type {
  KernelOptions,
  X86Options,
  Arm64Options,
  X86CfiMode,
  CaseCReading,
  FineIbtEncoding,
} from './kernel/options.ts';
export type { FunctionSpec, KernelSpec, PlacedFunction } from './kernel/spec.ts';
export type { TextWrite, WarnRecord, Violation, ViolationKind } from './kernel/events.ts';
export type { Kernel } from './kernel/kernel.ts';
export { createKernel } from './kernel/kernel.ts';
export type { Memory } from './kernel/memory.ts';
export type { RcuFlavour } from './kernel/types.ts';
export type { RcuState } from './kernel/rcu.ts';
export { RcuFlavours, RCU_HEAD_SIZE, RCU_HEAD_FUNC } from './kernel/rcu-flavours.ts';
export type { RcuCallback } from './kernel/rcu-flavours.ts';
export { FunctionTable, RCU_CALLBACK_TEXT, PERCPU_RELEASE_TEXT } from './kernel/functions.ts';
export {
  Slab,
  KMALLOC_BASE,
  VMALLOC_BASE,
  ZERO_SIZE_PTR,
  KMALLOC_REDZONE,
  POISON_FREE,
  NR_CPUS,
} from './kernel/slab.ts';
export type { SlabObject } from './kernel/slab.ts';
export { GFP_KERNEL, __GFP_ZERO, __GFP_NOWARN } from './kernel/gfp.ts';
export {
  PercpuRefs,
  PERCPU_REF_SIZE,
  PERCPU_REF_COUNT_PTR,
  PERCPU_REF_DATA,
  PERCPU_REF_DATA_SIZE,
  PERCPU_DATA_COUNT,
  PERCPU_DATA_FORCE_ATOMIC,
  PERCPU_DATA_RELEASE,
  PERCPU_DATA_REF,
  PERCPU_COUNT_BIAS,
  PERCPU_REF_INIT_ATOMIC,
  __PERCPU_REF_ATOMIC,
  __PERCPU_REF_DEAD,
  __PERCPU_REF_ATOMIC_DEAD,
} from './kernel/percpu-ref.ts';
export type { PercpuRefRelease, PercpuRefView } from './kernel/percpu-ref.ts';
export {
  HLIST_HEAD_SIZE,
  HLIST_HEAD_FIRST,
  HLIST_NODE_SIZE,
  HLIST_NODE_NEXT,
  HLIST_NODE_PPREV,
  LIST_POISON2,
  WILD_LINK,
  hlistHeadInit,
  hlistNodeInit,
  hlistAddHeadRcu,
  hlistAddTailRcu,
  hlistDelRcu,
  hlistDelInitRcu,
  hlistUnhashed,
  hlistForEachRcu,
  hlistNodesRcu,
  hlistPeek,
} from './kernel/rcu-hlist.ts';
export {
  Rhashtable,
  RHASHTABLE_SIZE,
  RHT_TBL,
  RHT_NELEMS,
  BUCKET_TABLE_SIZE,
  BUCKET_TABLE_HASH_RND,
  BUCKET_TABLE_FUTURE_TBL,
  BUCKET_TABLE_RCU,
  BUCKET_TABLE_BUCKETS,
  HASH_DEFAULT_SIZE,
  HASH_MIN_SIZE,
  rhtHash,
  rhtIsANulls,
  rhtNullsMarker,
} from './kernel/rhashtable.ts';
export type { RhashtableParams, BucketTableView } from './kernel/rhashtable.ts';
export type { RunResult } from './kernel/run.ts';
export { runSequential, DEFAULT_MAX_STEPS } from './kernel/run.ts';
export { FRESH_PAGE_BYTE, FREED_PAGE_BYTE } from './kernel/pages.ts';
export type { PageBlock } from './kernel/pages.ts';
export type { ArchHooks } from './arch/hooks.ts';
export { x86Hooks } from './arch/x86.ts';
export { arm64Hooks } from './arch/arm64.ts';
export { hooksFor } from './arch/select.ts';
export { x86MdOffsets } from './arch/x86-offsets.ts';
export type { X86Case, X86MdOffsets } from './arch/x86-offsets.ts';
export type * from './contract/index.ts';
export { CONTRACT_VERSION, V4_LOCKING } from './contract/index.ts';
export { LockedStore, locked } from './locked/store.ts';
export { KfmdStore, kfmd } from './kfmd/store.ts';
export { V4Store, V4_LAYOUT, v4 } from './v4/store.ts';
export type { Slot } from './v4/store.ts';
export { MD_SIZE, MD_USERS, MD_PAD0, MD_FUNC, KFUNC_MD_MUTEX, entriesPerPage, orderOf } from './v4/layout.ts';
export { TEXT_MUTEX } from './kernel/mutexes.ts';
