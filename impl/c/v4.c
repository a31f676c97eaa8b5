/*
 * v4.c: kernel/trace/kfunc_md.c as posted in v4 (== v3 2/4), with the x86 (3/4) and arm64 (4/4)
 * arch hooks, written against kfmd.h. A line-for-line port of impl/v4/store.ts and impl/arch/,
 * bugs kept: the same accesses in the same order, the same allocations and the same WARNs,
 * so kfmd's counterexamples for it are byte-identical to those for the TypeScript v4.
 *
 * -DKFMD_INJECT_SKIP_USED_DEC drops the kfunc_md_used-- of __kfunc_md_put (a test's bug).
 */
#include "kfmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* struct kfunc_md as v2..v4 define it on 64-bit; it lives in kfmd's memory, never in ours */
struct kfunc_md {
	int users;
	int pad0;
	u64 func;
};

#define MD_SIZE ((u64)sizeof(struct kfunc_md))
#define MD_USERS offsetof(struct kfunc_md, users)
#define MD_FUNC offsetof(struct kfunc_md, func)
#define ENTRIES_PER_PAGE ((u32)(kfmd_boot->page_size / sizeof(struct kfunc_md)))

/* the largest KFUNC_MD_INSN_SIZE: x86's B8 + imm32 */
#define KFUNC_MD_MAX_INSN_SIZE 5
#define X86_MOV_EAX 0xb8
#define X86_NOP 0x90
#define AARCH64_INSN_NOP 0xd503201fu

/* &kfunc_md_count (u32, the capacity), &kfunc_md_used (u32), &kfunc_mds (struct kfunc_md __rcu *) */
static kfmd_addr_t kfunc_md_count;
static kfmd_addr_t kfunc_md_used;
static kfmd_addr_t kfunc_mds;

/* the asm/ftrace.h macros of the booted arch and Kconfig */
static struct {
	u32 insn_offset;
	u32 data_offset;
	u32 insn_size;
} md_arch;

#define KFUNC_MD_INSN_OFFSET (md_arch.insn_offset)
#define KFUNC_MD_DATA_OFFSET (md_arch.data_offset)
#define KFUNC_MD_INSN_SIZE (md_arch.insn_size)

static void put_le32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static u32 get_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* ---- arch/x86 (v4 3/4) ------------------------------------------------------------------------ */

/*
 * KFUNC_MD_INSN_OFFSET (spec 4.3), PB = CONFIG_FUNCTION_PADDING_BYTES:
 * A: !CFI_CLANG -> PB; B: CFI_CLANG without thunks or FineIBT -> 5;
 * C: CFI_CLANG && (CALL_THUNKS || FINEIBT) -> PB - 8 (Kconfig), or alignment - 8 (the v4 comment).
 */
static void x86_kfunc_md_offsets(void)
{
	u32 pb = kfmd_boot->config.CONFIG_FUNCTION_PADDING_BYTES;

	if (!IS_ENABLED(CONFIG_CFI_CLANG))
		md_arch.insn_offset = pb;
	else if (IS_ENABLED(CONFIG_CALL_THUNKS) || IS_ENABLED(CONFIG_FINEIBT))
		md_arch.insn_offset = (IS_ENABLED(case_c_intent) ? kfmd_boot->config.CONFIG_FUNCTION_ALIGNMENT : pb) - 8;
	else
		md_arch.insn_offset = 5;
	/* the index follows the one-byte opcode */
	md_arch.data_offset = md_arch.insn_offset - 1;
	md_arch.insn_size = 5;
}

/* the byte at ip - KFUNC_MD_INSN_OFFSET is 0xB8 */
static bool x86_kfunc_md_arch_exist(kfmd_addr_t ip)
{
	return kfmd_load8(ip - KFUNC_MD_INSN_OFFSET) == X86_MOV_EAX;
}

/* mov $index,%eax */
static void x86_kfunc_md_arch_pretend(u8 *insn, u32 index)
{
	insn[0] = X86_MOV_EAX;
	put_le32(insn + 1, index);
}

static void x86_kfunc_md_arch_nops(u8 *insn)
{
	memset(insn, X86_NOP, 5);
}

/* text_poke(ip, insn, KFUNC_MD_INSN_SIZE); text_poke_sync(): five byte stores, no INT3 */
static int x86_kfunc_md_arch_poke(kfmd_addr_t ip, const u8 *insn)
{
	kfmd_text_poke(ip, insn, KFUNC_MD_INSN_SIZE);
	kfmd_text_poke_sync();
	return 0;
}

/* ---- arch/arm64 (v4 4/4) ---------------------------------------------------------------------- */

static void arm64_kfunc_md_offsets(void)
{
	/* CONFIG_FUNCTION_METADATA depends on !CONFIG_CFI_CLANG on arm64 */
	if (IS_ENABLED(CONFIG_CFI_CLANG))
		kfmd_bug("arm64 FUNCTION_METADATA depends on !CFI_CLANG: kfunc_md is not built");
	/* with CALL_OPS the 8-byte ops literal occupies ip-8..ip-1: AARCH64_INSN_SIZE * 3 */
	md_arch.insn_offset = IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS) ? 12 : 4;
	md_arch.data_offset = md_arch.insn_offset;
	md_arch.insn_size = 4;
}

/* !aarch64_insn_is_nop() of the word at ip - KFUNC_MD_INSN_OFFSET */
static bool arm64_kfunc_md_arch_exist(kfmd_addr_t ip)
{
	return kfmd_load32(ip - KFUNC_MD_INSN_OFFSET) != AARCH64_INSN_NOP;
}

/* the index itself is the word (decodes as UDF, never executed) */
static void arm64_kfunc_md_arch_pretend(u8 *insn, u32 index)
{
	put_le32(insn, index);
}

static void arm64_kfunc_md_arch_nops(u8 *insn)
{
	put_le32(insn, AARCH64_INSN_NOP);
}

static int arm64_kfunc_md_arch_poke(kfmd_addr_t ip, const u8 *insn)
{
	return kfmd_aarch64_insn_patch_text_nosync(ip, get_le32(insn));
}

/* ---- the hooks of the booted arch ------------------------------------------------------------- */

static bool kfunc_md_arch_exist(kfmd_addr_t ip)
{
	return kfmd_boot->arch == KFMD_X86 ? x86_kfunc_md_arch_exist(ip) : arm64_kfunc_md_arch_exist(ip);
}

static void kfunc_md_arch_pretend(u8 *insn, u32 index)
{
	if (kfmd_boot->arch == KFMD_X86)
		x86_kfunc_md_arch_pretend(insn, index);
	else
		arm64_kfunc_md_arch_pretend(insn, index);
}

static void kfunc_md_arch_nops(u8 *insn)
{
	if (kfmd_boot->arch == KFMD_X86)
		x86_kfunc_md_arch_nops(insn);
	else
		arm64_kfunc_md_arch_nops(insn);
}

static int kfunc_md_arch_poke(kfmd_addr_t ip, const u8 *insn)
{
	return kfmd_boot->arch == KFMD_X86 ? x86_kfunc_md_arch_poke(ip, insn) : arm64_kfunc_md_arch_poke(ip, insn);
}

/* ---- kernel/trace/kfunc_md.c ------------------------------------------------------------------ */

/* kfunc_md_page_order(): fls(DIV_ROUND_UP(count, ENTRIES_PER_PAGE)) - 1, i.e. log2(pages) */
static int kfunc_md_page_order(u32 count)
{
	u32 pages = (count + ENTRIES_PER_PAGE - 1) / ENTRIES_PER_PAGE;

	return pages == 0 ? -1 : 31 - __builtin_clz(pages);
}

void kfmd_create(void)
{
	u8 count[4], used[4] = { 0 }, mds[8] = { 0 };

	/* the hooks first: the arm64 ones refuse a CFI_CLANG kernel before anything is defined */
	if (kfmd_boot->arch == KFMD_X86)
		x86_kfunc_md_offsets();
	else
		arm64_kfunc_md_offsets();
	put_le32(count, ENTRIES_PER_PAGE);
	kfunc_md_count = kfmd_define_static("kfunc_md_count", count, sizeof(count));
	kfunc_md_used = kfmd_define_static("kfunc_md_used", used, sizeof(used));
	kfunc_mds = kfmd_define_static("kfunc_mds", mds, sizeof(mds));
}

void kfunc_md_lock(void)
{
	kfmd_mutex_lock(KFUNC_MD_MUTEX);
}

void kfunc_md_unlock(void)
{
	kfmd_mutex_unlock(KFUNC_MD_MUTEX);
}

/* kfunc_md_get_index(ip): *(u32 *)(ip - KFUNC_MD_DATA_OFFSET), a plain load from the padding */
static u32 kfunc_md_get_index(kfmd_addr_t ip)
{
	return kfmd_load32(ip - KFUNC_MD_DATA_OFFSET);
}

/* No NULL-array check, no md->func == ip check, no users check: exactly v4. */
kfmd_addr_t kfunc_md_find(kfmd_addr_t ip)
{
	u32 index, count;
	kfmd_addr_t mds;

	if (!kfunc_md_arch_exist(ip))
		return 0;
	index = kfunc_md_get_index(ip);
	count = kfmd_load32(kfunc_md_count);
	if (index >= count) {
		kfmd_warn("find-bound", "kfunc_md_find(0x%" PRIx64 "): index %u >= count %u", ip, index, count);
		return 0;
	}
	mds = kfmd_load64(kfunc_mds); /* rcu_dereference(kfunc_mds) */
	return mds + index * MD_SIZE;
}

/* md->users++, a plain read-modify-write of the int */
static void kfunc_md_users_inc(kfmd_addr_t md)
{
	s32 users = (s32)kfmd_load32(md + MD_USERS);

	kfmd_store32(md + MD_USERS, (u32)(users + 1));
}

/* kfunc_md_used += delta */
static void kfunc_md_used_add(int delta)
{
	u32 used = kfmd_load32(kfunc_md_used);

	kfmd_store32(kfunc_md_used, used + (u32)delta);
}

/* kfunc_md_init(mds, start, end): users = 0 for each entry, nothing else (pad0, func stay garbage) */
static void kfunc_md_init(kfmd_addr_t mds, u32 start, u32 end)
{
	for (u32 i = start; i < end; i++)
		kfmd_store32(mds + i * MD_SIZE + MD_USERS, 0);
}

/* First use: one block for kfunc_md_count entries; rcu_assign_pointer without a grace period. */
static kfmd_addr_t kfunc_md_first_array(void)
{
	u32 count = kfmd_load32(kfunc_md_count);
	kfmd_addr_t mds = kfmd_alloc_pages((unsigned int)kfunc_md_page_order(count));

	if (!mds)
		return 0;
	kfunc_md_init(mds, 0, count);
	/* nobody can be using it yet */
	kfmd_store64(kfunc_mds, mds);
	return mds;
}

/* linear scan from 0 for users == 0; -1 if none */
static long kfunc_md_scan_free(kfmd_addr_t mds, u32 count)
{
	for (u32 i = 0; i < count; i++)
		if (kfmd_load32(mds + i * MD_SIZE + MD_USERS) == 0)
			return i;
	return -1;
}

/* kfunc_md_used++, mds[index].users++ */
static kfmd_addr_t kfunc_md_claim(kfmd_addr_t mds, u32 index)
{
	kfmd_addr_t md = mds + index * MD_SIZE;

	kfunc_md_used_add(1);
	kfunc_md_users_inc(md);
	return md;
}

/* memcpy(new_mds, mds, bytes) in 4-byte words: exact for any bit pattern; published only after */
static void kfunc_md_copy(kfmd_addr_t dst, kfmd_addr_t src, u64 bytes)
{
	for (u64 off = 0; off < bytes; off += 4)
		kfmd_store32(dst + off, kfmd_load32(src + off));
}

/*
 * Double the array: __get_free_pages(order + 1), memcpy, kfunc_md_init, rcu_assign_pointer,
 * synchronize_rcu, free_pages(mds, order), kfunc_md_count <<= 1. 0, nothing changed, on failure.
 */
static kfmd_addr_t kfunc_md_grow(kfmd_addr_t mds, u32 count)
{
	int order = kfunc_md_page_order(count);
	kfmd_addr_t fresh = kfmd_alloc_pages((unsigned int)(order + 1));
	u32 c;

	if (!fresh)
		return 0;
	kfunc_md_copy(fresh, mds, count * MD_SIZE);
	kfunc_md_init(fresh, count, 2 * count);
	kfmd_store64(kfunc_mds, fresh);
	/* the grown-out array: no reader can still hold it after a grace period */
	kfmd_synchronize_rcu();
	kfmd_free_pages(mds, (unsigned int)order);
	c = kfmd_load32(kfunc_md_count);
	kfmd_store32(kfunc_md_count, c * 2);
	return fresh;
}

/* kfunc_md_get_next(&index): caller holds kfunc_md_mutex; false when no memory */
static bool kfunc_md_get_next(u32 *index, kfmd_addr_t *md)
{
	kfmd_addr_t mds = kfmd_load64(kfunc_mds), grown;
	u32 used, count;

	if (!mds) {
		mds = kfunc_md_first_array();
		if (!mds)
			return false;
	}
	used = kfmd_load32(kfunc_md_used);
	count = kfmd_load32(kfunc_md_count);
	if (used < count) {
		long free = kfunc_md_scan_free(mds, count);

		if (free >= 0) {
			*index = (u32)free;
			*md = kfunc_md_claim(mds, *index);
			return true;
		}
	}
	grown = kfunc_md_grow(mds, count);
	if (!grown)
		return false;
	/* the first slot of the new upper half */
	*index = count;
	*md = kfunc_md_claim(grown, count);
	return true;
}

/* memcmp(addr, bytes, KFUNC_MD_INSN_SIZE) against live text: byte loads, up to the first difference */
static int kfunc_md_memcmp(kfmd_addr_t addr, const u8 *bytes)
{
	for (u32 i = 0; i < KFUNC_MD_INSN_SIZE; i++) {
		int d = (int)kfmd_load8(addr + i) - (int)bytes[i];

		if (d != 0)
			return d;
	}
	return 0;
}

/*
 * kfunc_md_text_poke(ip, insn, nop) under text_mutex (taken inside kfunc_md_mutex), spec 2.4:
 * install: equal -> 0; NOPs -> poke; else -EBUSY. restore (insn NULL): NOPs -> 0; else poke NOPs.
 */
static int kfunc_md_text_poke(kfmd_addr_t ip, const u8 *insn, const u8 *nop)
{
	kfmd_addr_t target = ip - KFUNC_MD_INSN_OFFSET;
	int ret = 0;

	kfmd_mutex_lock(TEXT_MUTEX);
	if (insn) {
		if (kfunc_md_memcmp(target, insn) == 0)
			ret = 0;
		else if (kfunc_md_memcmp(target, nop) != 0)
			ret = -EBUSY;
		else
			ret = kfunc_md_arch_poke(target, insn);
	} else if (kfunc_md_memcmp(target, nop) != 0) {
		ret = kfunc_md_arch_poke(target, nop);
	}
	kfmd_mutex_unlock(TEXT_MUTEX);
	return ret;
}

/* caller holds kfunc_md_lock(): find, else kfunc_md_get_next + kfunc_md_text_poke */
kfmd_addr_t kfunc_md_get(kfmd_addr_t ip)
{
	u8 insn[KFUNC_MD_MAX_INSN_SIZE], nop[KFUNC_MD_MAX_INSN_SIZE];
	kfmd_addr_t md = kfunc_md_find(ip);
	u32 index;

	if (md) {
		/* an existing md just gains a user, whatever state it is in */
		kfunc_md_users_inc(md);
		return md;
	}
	if (!kfunc_md_get_next(&index, &md))
		return 0;
	kfunc_md_arch_pretend(insn, index);
	kfunc_md_arch_nops(nop);
	if (kfunc_md_text_poke(ip, insn, nop)) {
		kfunc_md_used_add(-1);
		kfmd_store32(md + MD_USERS, 0);
		return 0;
	}
	/* published only after the instruction is live (spec D2) */
	kfmd_store64(md + MD_FUNC, ip);
	return md;
}

/*
 * __kfunc_md_put(md): caller holds kfunc_md_mutex. WARN_ON_ONCE(md->users <= 0); users--;
 * kfunc_md_arch_exist(md->func); kfunc_md_text_poke(func, NULL, nops); kfunc_md_used--.
 */
static bool __kfunc_md_put(kfmd_addr_t md)
{
	u8 nop[KFUNC_MD_MAX_INSN_SIZE];
	s32 users = (s32)kfmd_load32(md + MD_USERS);
	kfmd_addr_t func;

	if (users <= 0) {
		kfmd_warn("put-users", "kfunc_md_put(0x%" PRIx64 "): users %d <= 0", md, users);
		return false;
	}
	kfmd_store32(md + MD_USERS, (u32)(users - 1));
	if (users - 1 > 0)
		return false;
	func = kfmd_load64(md + MD_FUNC);
	/* the slot is free now, but without an instruction to remove, used is never decremented (D3) */
	if (!kfunc_md_arch_exist(func))
		return false;
	kfunc_md_arch_nops(nop);
	kfunc_md_text_poke(func, NULL, nop);
#ifndef KFMD_INJECT_SKIP_USED_DEC
	kfunc_md_used_add(-1);
#endif
	/* md->func stays stale on purpose */
	return true;
}

void kfunc_md_put(kfmd_addr_t md)
{
	kfunc_md_lock();
	__kfunc_md_put(md);
	kfunc_md_unlock();
}

void kfunc_md_put_by_ip(kfmd_addr_t ip)
{
	kfmd_addr_t md;

	kfunc_md_lock();
	md = kfunc_md_find(ip);
	if (md)
		__kfunc_md_put(md);
	kfunc_md_unlock();
}

/* bpf_global_caller: [rcu_read_lock()] kfunc_md_find(ip), then md->users and md->func */
void kfmd_trampoline(kfmd_addr_t ip, bool rcu, struct kfmd_trampoline_view *view)
{
	if (rcu)
		kfmd_rcu_read_lock();
	view->md = kfunc_md_find(ip);
	if (view->md) {
		view->users = (s32)kfmd_load32(view->md + MD_USERS);
		view->func = kfmd_load64(view->md + MD_FUNC);
	} else {
		view->users = 0;
		view->func = 0;
	}
	if (rcu)
		kfmd_rcu_read_unlock();
}

void kfmd_inspect(struct kfmd_store_view *view)
{
	u8 *bytes;

	view->array_base = kfmd_peek64(kfunc_mds);
	view->count = kfmd_peek32(kfunc_md_count);
	view->used = kfmd_peek32(kfunc_md_used);
	view->order = kfunc_md_page_order(view->count);
	view->entries_per_page = ENTRIES_PER_PAGE;
	view->layout_size = (u32)MD_SIZE;
	view->layout_users = (u32)MD_USERS;
	view->layout_func = (u32)MD_FUNC;
	if (view->array_base == 0 || !kfmd_is_mapped(view->array_base, view->count * MD_SIZE))
		return;
	bytes = malloc(view->count * MD_SIZE);
	view->entries = calloc(view->count ? view->count : 1, sizeof(*view->entries));
	if (!bytes || !view->entries || !kfmd_peek(view->array_base, bytes, view->count * MD_SIZE))
		kfmd_bug("inspect: cannot read %u entries", view->count);
	for (u32 i = 0; i < view->count; i++) {
		const u8 *e = bytes + i * MD_SIZE;
		u64 func = 0;

		for (int b = 7; b >= 0; b--)
			func = func << 8 | e[MD_FUNC + b];
		view->entries[i].md = view->array_base + i * MD_SIZE;
		view->entries[i].users = (s32)get_le32(e + MD_USERS);
		view->entries[i].func = func;
	}
	view->nr_entries = view->count;
	free(bytes);
}

const struct kfmd_impl_info kfmd_impl = {
	.name = "v4-c",
	.description = "kfunc_md v4 in C through the kfmd protocol (impl/c/v4.c), faithful to impl/v4",
	.declares = {
		.index = "padding-insn",
		.slot_policy = "lowest-free",
		.lock_get = "caller-holds",
		.lock_put = "takes",
		.lock_put_by_ip = "takes",
		.rcu_reader = true,
		.norcu_reader = true,
	},
};
