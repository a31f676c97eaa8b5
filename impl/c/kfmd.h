/*
 * kfmd.h: write a kfunc_md implementation in C and let kfmd check it (kfmd check --impl-cmd).
 *
 * The implementation's globals and arrays live in kfmd's simulated kernel, not in this process:
 * every load, store, lock, RCU call and page allocation below is one message to kfmd, which
 * performs it on the simulated memory and answers. Each message that touches shared state is
 * one scheduling point, so kfmd interleaves this code with other simulated CPUs step by step.
 * Never keep kfunc_md state in C variables of your own: kfmd could not see it, interleave it or
 * check it. The protocol is impl/protocol/PROTOCOL.md.
 *
 * Build: gcc -O2 -Wall -Wextra -Werror kfmd_runtime.c kfmd_json.c your.c -o your-impl
 */
#ifndef KFMD_H
#define KFMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the protocol this runtime speaks (a test builds another to see kfmd refuse it) */
#ifndef KFMD_PROTOCOL_VERSION
#define KFMD_PROTOCOL_VERSION 1
#endif

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

/* An address in kfmd's simulated memory: never dereference it, load and store through it. */
typedef uint64_t kfmd_addr_t;

/* ---- what kfmd booted (valid from kfmd_create() on) ------------------------------------- */

enum kfmd_arch { KFMD_X86, KFMD_ARM64 };

/* Kconfig symbols that decide the padding; the arch hooks compute their offsets from them. */
struct kfmd_config {
	bool CONFIG_CFI_CLANG;
	/* x86 */
	bool CONFIG_CALL_THUNKS;
	bool CONFIG_FINEIBT;
	u32 CONFIG_FUNCTION_ALIGNMENT;
	u32 CONFIG_FUNCTION_PADDING_BYTES;
	/* x86 case C (spec 4.3): read KFUNC_MD_INSN_OFFSET with the alignment as the v4 comment does */
	bool case_c_intent;
	/* arm64 */
	bool CONFIG_DYNAMIC_FTRACE_WITH_ARGS;
	bool CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS;
	bool CONFIG_FUNCTION_ALIGNMENT_8B;
	bool CONFIG_ARM64_BTI_KERNEL;
};

struct kfmd_function {
	const char *name;
	kfmd_addr_t ip;
	bool padded;
};

struct kfmd_boot {
	enum kfmd_arch arch;
	struct kfmd_config config;
	/* PAGE_SIZE and MAX_PAGE_ORDER */
	u32 page_size;
	u32 max_order;
	/* kernel text: where text_poke can write */
	kfmd_addr_t text_base;
	u64 text_size;
	/* the order in which x86 text_poke() stores the bytes of a 5-byte instruction */
	u8 poke_byte_order[5];
	size_t nr_functions;
	const struct kfmd_function *functions;
};

extern const struct kfmd_boot *kfmd_boot;

/* IS_ENABLED(CONFIG_CFI_CLANG) and friends, from the booted configuration */
#define IS_ENABLED(option) (kfmd_boot->config.option)

/* the command line the implementation was started with (kfmd --impl-cmd "CMD ARGS") */
extern int kfmd_argc;
extern char **kfmd_argv;

/* ---- shared memory: one message and one scheduling point each --------------------------- */

u8 kfmd_load8(kfmd_addr_t addr);
u32 kfmd_load32(kfmd_addr_t addr);
u64 kfmd_load64(kfmd_addr_t addr);
void kfmd_store8(kfmd_addr_t addr, u8 value);
void kfmd_store32(kfmd_addr_t addr, u32 value);
/* a pointer: kfmd refuses values above 2^53 like its TypeScript store64 does */
void kfmd_store64(kfmd_addr_t addr, u64 value);

/* mutex_lock(&name) / mutex_unlock(&name): kfunc_md_mutex, text_mutex */
void kfmd_mutex_lock(const char *name);
void kfmd_mutex_unlock(const char *name);
#define KFUNC_MD_MUTEX "kfunc_md_mutex"
#define TEXT_MUTEX "text_mutex"

void kfmd_rcu_read_lock(void);
void kfmd_rcu_read_unlock(void);
void kfmd_synchronize_rcu(void);

/* __get_free_pages(GFP_KERNEL, order): 0 (NULL) on failure; the pages hold garbage */
kfmd_addr_t kfmd_alloc_pages(unsigned int order);
void kfmd_free_pages(kfmd_addr_t addr, unsigned int order);

/* ---- text patching (built on the stores above) ------------------------------------------- */

/* x86 text_poke(addr, opcode, len): byte stores, a 5-byte one in the kernel's poke order */
void kfmd_text_poke(kfmd_addr_t addr, const u8 *opcode, size_t len);
/* text_poke_sync(): an IPI that serialises the other CPUs; nothing to simulate on the bytes */
static inline void kfmd_text_poke_sync(void)
{
}
/* arm64 aarch64_insn_patch_text_nosync(addr, insn): one aligned 32-bit store; 0, -EINVAL or -EFAULT */
int kfmd_aarch64_insn_patch_text_nosync(kfmd_addr_t addr, u32 insn);
/* whether [addr, addr + size) is kernel text (no message) */
bool kfmd_is_text(kfmd_addr_t addr, u64 size);

/* ---- no scheduling point ----------------------------------------------------------------- */

/* WARN_ON_ONCE at `site`: kfmd records it (and judges whether the model expects one there) */
void kfmd_warn(const char *site, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* BUG(): the current verb never returns; kfmd reports that the implementation threw `fmt` */
_Noreturn void kfmd_bug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* kfmd_create() only: a statically initialised kernel variable of `size` bytes; its address */
kfmd_addr_t kfmd_define_static(const char *name, const void *init, size_t size);

/* kfmd_inspect() only: reads without a scheduling point or use-after-free report */
bool kfmd_is_mapped(kfmd_addr_t addr, u64 size);
/* copies `size` bytes at addr into buf; false (buf untouched) when they are not mapped */
bool kfmd_peek(kfmd_addr_t addr, void *buf, size_t size);
u32 kfmd_peek32(kfmd_addr_t addr);
u64 kfmd_peek64(kfmd_addr_t addr);

/* ---- what the implementation defines -------------------------------------------------------- */

/* impl/contract/CONTRACT.md: the declarations, as the contract spells their values */
struct kfmd_declares {
	const char *index;          /* "padding-insn", "padding-pointer" or "none" */
	const char *slot_policy;    /* "lowest-free" or "any-free" */
	const char *lock_get;       /* "caller-holds" or "takes" */
	const char *lock_put;
	const char *lock_put_by_ip;
	bool rcu_reader;            /* trampoline readers offered: under rcu_read_lock(), and without */
	bool norcu_reader;
	/* optional: NULL or 0 for the default */
	const char *reuse;          /* "immediate" (default) or "after-grace" */
	const char *allocates;      /* "array" (default) or "array-and-md" */
	int insn_offset;            /* bytes before ip where the md instruction starts, if not KFUNC_MD_INSN_OFFSET */
	const char *array_from;     /* "pages" (default) or "kvmalloc" */
};

struct kfmd_impl_info {
	const char *name;
	const char *description;
	struct kfmd_declares declares;
};

extern const struct kfmd_impl_info kfmd_impl;

struct kfmd_trampoline_view {
	kfmd_addr_t md;
	s32 users;
	kfmd_addr_t func;
};

struct kfmd_entry {
	kfmd_addr_t md;
	s32 users;
	kfmd_addr_t func;
};

struct kfmd_store_view {
	kfmd_addr_t array_base;
	u32 count;
	u32 used;
	int order;
	u32 entries_per_page;
	/* sizeof(struct kfunc_md), offsetof(users), offsetof(func) */
	u32 layout_size;
	u32 layout_users;
	u32 layout_func;
	/* malloc()ed by the implementation, freed by the runtime */
	size_t nr_entries;
	struct kfmd_entry *entries;
	size_t nr_retained;
	kfmd_addr_t *retained;
};

/* a fresh store on a freshly booted kernel (once per scenario): define the statics here */
void kfmd_create(void);
/* the verbs, under their kernel names */
void kfunc_md_lock(void);
void kfunc_md_unlock(void);
kfmd_addr_t kfunc_md_get(kfmd_addr_t ip);
void kfunc_md_put(kfmd_addr_t md);
void kfunc_md_put_by_ip(kfmd_addr_t ip);
kfmd_addr_t kfunc_md_find(kfmd_addr_t ip);
/* the global trampoline's reader: [rcu_read_lock();] md = kfunc_md_find(ip); md->users; md->func */
void kfmd_trampoline(kfmd_addr_t ip, bool rcu, struct kfmd_trampoline_view *view);
/* the state, read with kfmd_peek*() only */
void kfmd_inspect(struct kfmd_store_view *view);

#endif /* KFMD_H */
