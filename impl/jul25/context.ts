import type { Kernel } from '../kernel/kernel.ts';
import { u32le, u64le } from '../kernel/le.ts';
import type { PercpuRefRelease } from '../kernel/percpu-ref.ts';
import type { Addr } from '../kernel/types.ts';
import { KFUNC_MD_ARRAY_HASH_BITS, kfuncMdArraySize, minArrayBits } from './layout.ts';
import { kfuncMdRelease } from './release.ts';

/** The globals of kernel/bpf/kfunc_md.c ([J2-1]) that every step of the design works on. */
export interface Jul25Globals {
  readonly kernel: Kernel;
  /** &kfunc_mds: struct kfunc_md_array __rcu *, starts at &default_mds */
  readonly kfuncMds: Addr;
  /** &default_mds: the static 16-bucket array, never freed */
  readonly defaultMds: Addr;
  /** kfunc_md_release, the percpu_ref release callback of every md */
  readonly release: PercpuRefRelease;
}

/**
 * The statics as the C initialises them: default_mds = { .used = 0, .hash_bits = 4, .mds = every
 * head HLIST_HEAD_INIT (NULL) }, and kfunc_mds = &default_mds.
 */
export function defineGlobals(kernel: Kernel): Jul25Globals {
  const minBits = minArrayBits(kernel.pageSize);
  const init = new Array<number>(kfuncMdArraySize(minBits)).fill(0);
  init.splice(KFUNC_MD_ARRAY_HASH_BITS, 4, ...u32le(minBits));
  const defaultMds = kernel.defineStatic('default_mds', init);
  const kfuncMds = kernel.defineStatic('kfunc_mds', u64le(defaultMds));
  return { kernel, kfuncMds, defaultMds, release: kfuncMdRelease(kernel) };
}
