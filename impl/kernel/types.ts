/**
 * The vocabulary every simulated kernel operation speaks.
 *
 * An operation is a generator: it yields a Step just BEFORE each shared access and performs the
 * access when it is resumed. A scheduler can therefore interleave CPUs at every access; running
 * one operation alone is just "resume until done" (see run.ts).
 */

/** Simulated addresses are plain numbers (all below 2^48, so they stay exact doubles). */
export type Addr = number;

/**
 * The RCU flavours the simulation keeps apart (kernel/rcu/): classic RCU (`rcu_read_lock`,
 * `synchronize_rcu`), RCU Tasks (`synchronize_rcu_tasks`) and RCU Tasks Trace
 * (`rcu_read_lock_trace`, `synchronize_rcu_tasks_trace`). See rcu-flavours.ts.
 */
export type RcuFlavour = 'rcu' | 'rcu_tasks' | 'rcu_tasks_trace';

export type StepKind =
  | 'load8'
  | 'load32'
  | 'load64'
  | 'store8'
  | 'store32'
  | 'store64'
  | 'mutex_lock'
  | 'mutex_unlock'
  | 'rcu_read_lock'
  | 'rcu_read_unlock'
  | 'sync_rcu'
  | 'alloc_pages'
  | 'free_pages';

export interface Step {
  readonly kind: StepKind;
  readonly addr?: Addr;
  /** bytes accessed (loads/stores) or bytes requested/released (alloc_pages/free_pages) */
  readonly size?: number;
  /** value being stored (stores only) */
  readonly value?: number;
  /** page order (alloc_pages/free_pages only) */
  readonly order?: number;
  /** mutex name (mutex_lock/mutex_unlock only) */
  readonly lock?: string;
  /** true while resuming this generator cannot make progress (mutex held, grace period pending) */
  readonly blocked?: boolean;
  /** human-readable explanation; on a blocked step it names who is blocking and why */
  readonly note?: string;
  /**
   * rcu_read_lock / rcu_read_unlock / sync_rcu steps of another flavour than classic RCU
   * (absent: classic RCU, as on every step v4 and `locked` take)
   */
  readonly rcu?: RcuFlavour;
  /**
   * The kernel function a step belongs to when its kind alone does not name it: `kvmalloc` on an
   * alloc_pages step, `kfree` on a free_pages step, `call_rcu_tasks` on the store64 that writes
   * rcu_head::func, `atomic_dec_and_test` on an atomic read-modify-write, and so on. StepKind
   * stays closed, so tables over it stay exhaustive; this field says what a kind stands for.
   */
  readonly call?: string;
  /**
   * An atomic read-modify-write (a store32 step whose `call` names it: atomic_add_return,
   * atomic_inc_not_zero, this_cpu_add): its operand. Such a step has no `value`: what it stores
   * depends on what it reads when it is performed.
   */
  readonly operand?: number;
}

/** An operation yielding Steps and finally returning T. Compose with `yield*`. */
export type Op<T> = Generator<Step, T, void>;

/** Negative errno values returned by text pokes (the kernel's -EBUSY, -EINVAL, -EFAULT of errno-base.h). */
export const EFAULT = 14;
/** ENOMEM (errno-base.h): percpu_ref_init returns -ENOMEM when an allocation fails. */
export const ENOMEM = 12;
/** ENOENT, E2BIG, EAGAIN, EEXIST (errno-base.h): what the rhashtable returns. */
export const ENOENT = 2;
export const E2BIG = 7;
export const EAGAIN = 11;
export const EEXIST = 17;
export const EBUSY = 16;
export const EINVAL = 22;
