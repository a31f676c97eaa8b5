import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every simulated piece that mirrors something of the kernel series carries its C name, in its
// identifier or its doc comment, so that `grep -rn <C name> impl` (or model) finds it. The lists
// below are the names of spec §2 (generic core), §4 (x86) and §5 (arm64) that impl/ and model/
// mirror; a name without a hit in the sources (tests excluded) fails the test.
const REPO = join(import.meta.dirname, '..');

/** Names the byte-level simulation (impl/) mirrors. */
const IMPL_NAMES = [
  // generic core, kernel/trace/kfunc_md.c
  'struct kfunc_md',
  'sizeof(struct kfunc_md)',
  'offsetof(struct kfunc_md, users)',
  'offsetof(struct kfunc_md, pad0)',
  'offsetof(struct kfunc_md, func)',
  'ENTRIES_PER_PAGE',
  'kfunc_md_count',
  'kfunc_md_used',
  'kfunc_mds',
  'kfunc_md_mutex',
  'kfunc_md_lock',
  'kfunc_md_unlock',
  'kfunc_md_get_index',
  'kfunc_md_init',
  'kfunc_md_page_order',
  'kfunc_md_get_next',
  'kfunc_md_text_poke',
  '__kfunc_md_put',
  'kfunc_md_put',
  'kfunc_md_find',
  'kfunc_md_put_by_ip',
  'kfunc_md_get',
  'bpf_global_caller',
  // arch hooks and macros, asm/ftrace.h
  'kfunc_md_arch_exist',
  'kfunc_md_arch_pretend',
  'kfunc_md_arch_nops',
  'kfunc_md_arch_poke',
  'KFUNC_MD_INSN_OFFSET',
  'KFUNC_MD_DATA_OFFSET',
  'KFUNC_MD_INSN_SIZE',
  // kernel services the simulation stands in for
  'text_mutex',
  'mutex_lock',
  'mutex_unlock',
  'rcu_read_lock',
  'rcu_read_unlock',
  'rcu_dereference',
  'rcu_assign_pointer',
  'synchronize_rcu',
  '__get_free_pages',
  'free_pages',
  'PAGE_SIZE',
  'MAX_PAGE_ORDER',
  'WARN_ON_ONCE',
  'memcpy',
  'memcmp',
  'EBUSY',
  'EINVAL',
  'EFAULT',
  // x86 text patching, kCFI, FineIBT, call-depth thunks
  'text_poke',
  'text_poke_sync',
  'text_poke_early',
  'text_poke_bp',
  'smp_text_poke_single',
  'BYTES_NOP1',
  '__cfi_<name>',
  'apply_fineibt',
  'fineibt_preamble_start',
  'FINEIBT_INSN_OFFSET',
  'is_endbr',
  'patch_dest',
  'INCREMENT_CALL_DEPTH',
  'skl_call_thunk_template',
  'SKL_TMPL_SIZE',
  '__x86_call_depth',
  'X86_FEATURE_CALL_DEPTH',
  // arm64 text patching and ftrace
  'aarch64_insn_patch_text_nosync',
  'copy_to_kernel_nofault',
  'aarch64_insn_is_nop',
  'aarch64_insn_gen_nop',
  'AARCH64_INSN_SIZE',
  'ftrace_nop_ops',
  'ftrace_init_nop',
  'aarch64_insn_write_literal_u64',
  'ftrace_call_adjust',
  'aarch64_insn_is_bti',
  'patchable_function_entry(0,0)',
  // Kconfig
  'CONFIG_FUNCTION_METADATA',
  'CONFIG_CALL_PADDING',
  'CONFIG_FUNCTION_PADDING_BYTES',
  'FUNCTION_PADDING_CFI',
  'CONFIG_FUNCTION_ALIGNMENT',
  'CONFIG_CFI_CLANG',
  'CONFIG_CALL_THUNKS',
  'CONFIG_FINEIBT',
  'CONFIG_DYNAMIC_FTRACE_WITH_ARGS',
  'CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS',
  'CONFIG_FUNCTION_ALIGNMENT_8B',
  'CONFIG_ARM64_BTI_KERNEL',
];

/** Names the formal model (model/) mirrors. */
const MODEL_NAMES = [
  'struct kfunc_md',
  'ENTRIES_PER_PAGE',
  'MAX_PAGE_ORDER',
  'kfunc_md_count',
  'kfunc_md_used',
  'kfunc_mds',
  'kfunc_md_mutex',
  'kfunc_md_lock',
  'kfunc_md_page_order',
  'kfunc_md_get_next',
  'kfunc_md_text_poke',
  '__kfunc_md_put',
  'kfunc_md_find',
  'kfunc_md_get',
  'kfunc_md_put',
  'kfunc_md_put_by_ip',
  'kfunc_md_get_index',
  'kfunc_md_arch_exist',
  'kfunc_md_arch_pretend',
  'kfunc_md_arch_nops',
  'KFUNC_MD_INSN_OFFSET',
  'KFUNC_MD_DATA_OFFSET',
  'KFUNC_MD_INSN_SIZE',
  'AARCH64_INSN_SIZE',
  'aarch64_insn_gen_nop',
  'BYTES_NOP1',
  '__cfi_<name>',
  'apply_fineibt',
  'fineibt_preamble_start',
  'is_endbr',
  'INCREMENT_CALL_DEPTH',
  'SKL_TMPL_SIZE',
  '__x86_call_depth',
  'X86_FEATURE_CALL_DEPTH',
  'ftrace_nop_ops',
  'ftrace_init_nop',
  'patchable_function_entry(0,0)',
  'CONFIG_FUNCTION_METADATA',
  'CONFIG_CALL_PADDING',
  'CONFIG_FUNCTION_PADDING_BYTES',
  'CONFIG_FUNCTION_ALIGNMENT',
  'CONFIG_CFI_CLANG',
  'CONFIG_CALL_THUNKS',
  'CONFIG_FINEIBT',
  'CONFIG_DYNAMIC_FTRACE_WITH_ARGS',
  'CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS',
  'CONFIG_FUNCTION_ALIGNMENT_8B',
  'CONFIG_ARM64_BTI_KERNEL',
];

/** The non-test TypeScript sources under `dir`, with their text. */
function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    if (!e.name.endsWith('.ts') || e.name.endsWith('.test.ts')) return [];
    return [{ path: relative(REPO, p), text: readFileSync(p, 'utf8') }];
  });
}

/** The name as a whole token: `kfunc_md_get` does not match inside `kfunc_md_get_next`. */
function token(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`);
}

/** The names no source file under `dir` mentions. */
function missingNames(dir: string, names: readonly string[]): string[] {
  const files = sources(join(REPO, dir));
  return names.filter((n) => !files.some((f) => token(n).test(f.text)));
}

describe('kernel C names are greppable', () => {
  it('the lists hold no duplicates', () => {
    for (const list of [IMPL_NAMES, MODEL_NAMES]) expect(list.filter((n, i) => list.indexOf(n) !== i)).toEqual([]);
  });

  it('every name impl/ mirrors appears in impl/', () => {
    expect(missingNames('impl', IMPL_NAMES)).toEqual([]);
  });

  it('every name model/ mirrors appears in model/', () => {
    expect(missingNames('model', MODEL_NAMES)).toEqual([]);
  });

  it('reports a name nobody mentions, and matches whole tokens only', () => {
    expect(missingNames('impl', ['kfunc_md_no_such_hook', 'kfunc_md_arch'])).toEqual([
      'kfunc_md_no_such_hook',
      'kfunc_md_arch',
    ]);
  });
});
