/*
 * kfmd_runtime.c: the kfmd protocol (impl/protocol/PROTOCOL.md) on stdin/stdout, and main().
 *
 * kfmd runs several verbs of one store at once, one per simulated CPU, and switches between
 * them at every message. So each verb runs as a coroutine (ucontext) with a stack of its own:
 * a call that needs kfmd's answer sends its message and switches back to the main loop, which
 * resumes whichever verb kfmd answers next. Only one coroutine runs at a time, so nothing here
 * needs a lock.
 */
#define _GNU_SOURCE
#include "kfmd.h"
#include "kfmd_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

/* v4 recurses nowhere; room for an implementation that does, and for printf */
#define OP_STACK_SIZE (256 * 1024)

enum verb { V_CREATE, V_LOCK, V_UNLOCK, V_GET, V_PUT, V_PUT_BY_IP, V_FIND, V_TRAMPOLINE, V_INSPECT };

static const char *const verb_names[] = {
	[V_CREATE] = "create", [V_LOCK] = "lock", [V_UNLOCK] = "unlock",
	[V_GET] = "get", [V_PUT] = "put", [V_PUT_BY_IP] = "put_by_ip",
	[V_FIND] = "find", [V_TRAMPOLINE] = "trampoline", [V_INSPECT] = "inspect",
};

struct kfmd_op {
	uint64_t id;
	enum verb verb;
	/* ip or md */
	kfmd_addr_t arg;
	bool rcu;
	ucontext_t ctx;
	void *stack;
	/* kfmd's answer to the op's last message, valid until the op sends its next one */
	const struct kj *reply;
	bool finished;
	struct kfmd_op *next;
};

const struct kfmd_boot *kfmd_boot;
int kfmd_argc;
char **kfmd_argv;

static struct kfmd_boot boot;
static struct kfmd_function *functions;
static struct kfmd_op *ops;
static struct kfmd_op *current;
static ucontext_t main_ctx;
static struct kj_buf out;

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("kfmd runtime: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(70);
}

/* ---- lines out ------------------------------------------------------------------------------ */

static void begin(const char *type)
{
	out.len = 0;
	kj_raw(&out, "{\"t\":");
	kj_quote(&out, type);
}

static void send_line(void)
{
	size_t done = 0;

	kj_raw(&out, "}\n");
	while (done < out.len) {
		ssize_t n = write(STDOUT_FILENO, out.data + done, out.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		/* kfmd has gone: nothing left to answer to */
		if (n <= 0)
			exit(0);
		done += (size_t)n;
	}
}

/* Sends the message begun and waits (as a coroutine) for kfmd's answer to it. */
static const struct kj *exchange(void)
{
	struct kfmd_op *op = current;

	if (!op)
		die("a kfmd_* call outside any verb");
	send_line();
	swapcontext(&op->ctx, &main_ctx);
	return op->reply;
}

static uint64_t reply_u64(const struct kj *v, const char *what)
{
	uint64_t n;

	if (!kj_u64(v, &n))
		die("kfmd answered %s with no number", what);
	return n;
}

static bool reply_bool(const struct kj *v, const char *what)
{
	bool b;

	if (!kj_bool(v, &b))
		die("kfmd answered %s with no boolean", what);
	return b;
}

/* ---- the calls of kfmd.h ------------------------------------------------------------------- */

static uint64_t load(const char *type, kfmd_addr_t addr)
{
	begin(type);
	kj_printf(&out, ",\"addr\":%" PRIu64, addr);
	return reply_u64(exchange(), type);
}

u8 kfmd_load8(kfmd_addr_t addr)
{
	return (u8)load("load8", addr);
}

u32 kfmd_load32(kfmd_addr_t addr)
{
	return (u32)load("load32", addr);
}

u64 kfmd_load64(kfmd_addr_t addr)
{
	return load("load64", addr);
}

static void store(const char *type, kfmd_addr_t addr, uint64_t value)
{
	begin(type);
	kj_printf(&out, ",\"addr\":%" PRIu64 ",\"value\":%" PRIu64, addr, value);
	exchange();
}

void kfmd_store8(kfmd_addr_t addr, u8 value)
{
	store("store8", addr, value);
}

void kfmd_store32(kfmd_addr_t addr, u32 value)
{
	store("store32", addr, value);
}

void kfmd_store64(kfmd_addr_t addr, u64 value)
{
	store("store64", addr, value);
}

static void mutex(const char *type, const char *name)
{
	begin(type);
	kj_raw(&out, ",\"lock\":");
	kj_quote(&out, name);
	exchange();
}

void kfmd_mutex_lock(const char *name)
{
	mutex("mutex_lock", name);
}

void kfmd_mutex_unlock(const char *name)
{
	mutex("mutex_unlock", name);
}

static void plain(const char *type)
{
	begin(type);
	exchange();
}

void kfmd_rcu_read_lock(void)
{
	plain("rcu_read_lock");
}

void kfmd_rcu_read_unlock(void)
{
	plain("rcu_read_unlock");
}

void kfmd_synchronize_rcu(void)
{
	plain("synchronize_rcu");
}

kfmd_addr_t kfmd_alloc_pages(unsigned int order)
{
	begin("alloc_pages");
	kj_printf(&out, ",\"order\":%u", order);
	return reply_u64(exchange(), "alloc_pages");
}

void kfmd_free_pages(kfmd_addr_t addr, unsigned int order)
{
	begin("free_pages");
	kj_printf(&out, ",\"addr\":%" PRIu64 ",\"order\":%u", addr, order);
	exchange();
}

void kfmd_text_poke(kfmd_addr_t addr, const u8 *opcode, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t at = len == 5 ? boot.poke_byte_order[i] : i;

		kfmd_store8(addr + at, opcode[at]);
	}
}

bool kfmd_is_text(kfmd_addr_t addr, u64 size)
{
	return addr >= boot.text_base && size <= boot.text_size && addr - boot.text_base <= boot.text_size - size;
}

int kfmd_aarch64_insn_patch_text_nosync(kfmd_addr_t addr, u32 insn)
{
	if (addr % 4)
		return -EINVAL;
	/* copy_to_kernel_nofault through the fixmap fails on anything that is not text */
	if (!kfmd_is_text(addr, 4))
		return -EFAULT;
	kfmd_store32(addr, insn);
	return 0;
}

static void vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(buf, size, fmt, ap);
}

void kfmd_warn(const char *site, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vformat(message, sizeof(message), fmt, ap);
	va_end(ap);
	begin("warn");
	kj_raw(&out, ",\"site\":");
	kj_quote(&out, site);
	kj_raw(&out, ",\"message\":");
	kj_quote(&out, message);
	exchange();
}

void kfmd_bug(const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vformat(message, sizeof(message), fmt, ap);
	va_end(ap);
	begin("bug");
	kj_raw(&out, ",\"message\":");
	kj_quote(&out, message);
	if (!current)
		die("BUG outside any verb: %s", message);
	send_line();
	/* the verb is over: the main loop frees its stack and never resumes it */
	current->finished = true;
	swapcontext(&current->ctx, &main_ctx);
	abort();
}

kfmd_addr_t kfmd_define_static(const char *name, const void *init, size_t size)
{
	const u8 *bytes = init;

	begin("define_static");
	kj_raw(&out, ",\"name\":");
	kj_quote(&out, name);
	kj_raw(&out, ",\"bytes\":[");
	for (size_t i = 0; i < size; i++)
		kj_printf(&out, "%s%u", i ? "," : "", bytes[i]);
	kj_raw(&out, "]");
	return reply_u64(exchange(), "define_static");
}

bool kfmd_is_mapped(kfmd_addr_t addr, u64 size)
{
	begin("is_mapped");
	kj_printf(&out, ",\"addr\":%" PRIu64 ",\"size\":%" PRIu64, addr, size);
	return reply_bool(exchange(), "is_mapped");
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool kfmd_peek(kfmd_addr_t addr, void *buf, size_t size)
{
	const struct kj *v;
	const char *hex;
	u8 *dst = buf;

	begin("peek");
	kj_printf(&out, ",\"addr\":%" PRIu64 ",\"size\":%zu", addr, size);
	v = exchange();
	if (v && v->type == KJ_NULL)
		return false;
	hex = kj_string(v);
	if (!hex || strlen(hex) != 2 * size)
		die("kfmd answered peek(%zu bytes) with no hex string of that length", size);
	for (size_t i = 0; i < size; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			die("kfmd answered peek with a bad hex digit");
		dst[i] = (u8)(hi << 4 | lo);
	}
	return true;
}

u32 kfmd_peek32(kfmd_addr_t addr)
{
	u8 b[4];

	if (!kfmd_peek(addr, b, sizeof(b)))
		kfmd_bug("peek32 of unmapped 0x%" PRIx64, addr);
	return (u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24;
}

u64 kfmd_peek64(kfmd_addr_t addr)
{
	u8 b[8];
	u64 v = 0;

	if (!kfmd_peek(addr, b, sizeof(b)))
		kfmd_bug("peek64 of unmapped 0x%" PRIx64, addr);
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* ---- the verbs as coroutines ---------------------------------------------------------------- */

static void ret_view(const struct kfmd_store_view *v)
{
	kj_printf(&out,
		  ",\"value\":{\"arrayBase\":%" PRIu64 ",\"count\":%u,\"used\":%u,\"order\":%d,"
		  "\"entriesPerPage\":%u,\"layout\":{\"size\":%u,\"users\":%u,\"func\":%u},\"entries\":[",
		  v->array_base, v->count, v->used, v->order, v->entries_per_page, v->layout_size,
		  v->layout_users, v->layout_func);
	for (size_t i = 0; i < v->nr_entries; i++)
		kj_printf(&out, "%s{\"md\":%" PRIu64 ",\"users\":%d,\"func\":%" PRIu64 "}", i ? "," : "",
			  v->entries[i].md, v->entries[i].users, v->entries[i].func);
	kj_raw(&out, "]");
	if (v->retained) {
		kj_raw(&out, ",\"retained\":[");
		for (size_t i = 0; i < v->nr_retained; i++)
			kj_printf(&out, "%s%" PRIu64, i ? "," : "", v->retained[i]);
		kj_raw(&out, "]");
	}
	kj_raw(&out, "}");
}

static void run_verb(struct kfmd_op *op)
{
	struct kfmd_trampoline_view tv = { 0 };
	struct kfmd_store_view sv = { 0 };
	kfmd_addr_t md;

	switch (op->verb) {
	case V_CREATE:
		kfmd_create();
		begin("ret");
		break;
	case V_LOCK:
		kfunc_md_lock();
		begin("ret");
		break;
	case V_UNLOCK:
		kfunc_md_unlock();
		begin("ret");
		break;
	case V_GET:
		md = kfunc_md_get(op->arg);
		begin("ret");
		kj_printf(&out, ",\"value\":%" PRIu64, md);
		break;
	case V_PUT:
		kfunc_md_put(op->arg);
		begin("ret");
		break;
	case V_PUT_BY_IP:
		kfunc_md_put_by_ip(op->arg);
		begin("ret");
		break;
	case V_FIND:
		md = kfunc_md_find(op->arg);
		begin("ret");
		kj_printf(&out, ",\"value\":%" PRIu64, md);
		break;
	case V_TRAMPOLINE:
		kfmd_trampoline(op->arg, op->rcu, &tv);
		begin("ret");
		kj_printf(&out, ",\"value\":{\"md\":%" PRIu64 ",\"users\":%d,\"func\":%" PRIu64 "}", tv.md,
			  tv.users, tv.func);
		break;
	case V_INSPECT:
		kfmd_inspect(&sv);
		begin("ret");
		ret_view(&sv);
		free(sv.entries);
		free(sv.retained);
		break;
	}
	send_line();
}

static void op_entry(void)
{
	struct kfmd_op *op = current;

	run_verb(op);
	op->finished = true;
	swapcontext(&op->ctx, &main_ctx);
	abort();
}

static void destroy(struct kfmd_op *op)
{
	for (struct kfmd_op **p = &ops; *p; p = &(*p)->next) {
		if (*p == op) {
			*p = op->next;
			break;
		}
	}
	free(op->stack);
	free(op);
}

/* Runs `op` until it sends its next message (or ends); `reply` is kfmd's answer to its last one. */
static void resume(struct kfmd_op *op, const struct kj *reply)
{
	op->reply = reply;
	current = op;
	swapcontext(&main_ctx, &op->ctx);
	current = NULL;
	op->reply = NULL;
	if (op->finished)
		destroy(op);
}

static void start(uint64_t id, enum verb verb, kfmd_addr_t arg, bool rcu)
{
	struct kfmd_op *op = calloc(1, sizeof(*op));

	if (!op || !(op->stack = malloc(OP_STACK_SIZE)))
		die("out of memory");
	op->id = id;
	op->verb = verb;
	op->arg = arg;
	op->rcu = rcu;
	getcontext(&op->ctx);
	op->ctx.uc_stack.ss_sp = op->stack;
	op->ctx.uc_stack.ss_size = OP_STACK_SIZE;
	op->ctx.uc_link = NULL;
	makecontext(&op->ctx, op_entry, 0);
	op->next = ops;
	ops = op;
	resume(op, NULL);
}

/* ---- the main loop ---------------------------------------------------------------------------- */

static void send_hello(void)
{
	const struct kfmd_declares *d = &kfmd_impl.declares;

	begin("hello");
	kj_printf(&out, ",\"version\":%d,\"name\":", KFMD_PROTOCOL_VERSION);
	kj_quote(&out, kfmd_impl.name);
	kj_raw(&out, ",\"description\":");
	kj_quote(&out, kfmd_impl.description);
	kj_raw(&out, ",\"declares\":{\"index\":");
	kj_quote(&out, d->index);
	kj_raw(&out, ",\"slotPolicy\":");
	kj_quote(&out, d->slot_policy);
	kj_raw(&out, ",\"locking\":{\"get\":");
	kj_quote(&out, d->lock_get);
	kj_raw(&out, ",\"put\":");
	kj_quote(&out, d->lock_put);
	kj_raw(&out, ",\"put_by_ip\":");
	kj_quote(&out, d->lock_put_by_ip);
	kj_printf(&out, "},\"readers\":{\"rcu\":%s,\"norcu\":%s}", d->rcu_reader ? "true" : "false",
		  d->norcu_reader ? "true" : "false");
	if (d->reuse) {
		kj_raw(&out, ",\"reuse\":");
		kj_quote(&out, d->reuse);
	}
	if (d->allocates) {
		kj_raw(&out, ",\"allocates\":");
		kj_quote(&out, d->allocates);
	}
	if (d->insn_offset > 0)
		kj_printf(&out, ",\"insnOffset\":%d", d->insn_offset);
	if (d->array_from) {
		kj_raw(&out, ",\"arrayFrom\":");
		kj_quote(&out, d->array_from);
	}
	kj_raw(&out, "}");
	send_line();
}

/* A new store: every verb in flight belongs to the old one and is dropped. */
static void reset(void)
{
	while (ops)
		destroy(ops);
	for (size_t i = 0; i < boot.nr_functions; i++)
		free((char *)functions[i].name);
	free(functions);
	functions = NULL;
	memset(&boot, 0, sizeof(boot));
}

static bool config_flag(const struct kj *config, const char *name)
{
	bool b = false;

	kj_bool(kj_member(config, name), &b);
	return b;
}

static u32 config_u32(const struct kj *config, const char *name)
{
	uint64_t n = 0;

	kj_u64(kj_member(config, name), &n);
	return (u32)n;
}

static bool config_string_is(const struct kj *config, const char *name, const char *value)
{
	const char *s = kj_string(kj_member(config, name));

	return s && strcmp(s, value) == 0;
}

static void read_boot(const struct kj *b)
{
	const struct kj *config = kj_member(b, "config"), *order = kj_member(b, "pokeByteOrder");
	const char *arch = kj_string(kj_member(b, "arch"));
	uint64_t n;
	size_t i = 0;

	if (!arch || !config || !order)
		die("create without arch, config or pokeByteOrder");
	boot.arch = strcmp(arch, "arm64") == 0 ? KFMD_ARM64 : KFMD_X86;
	boot.config = (struct kfmd_config){
		.CONFIG_CFI_CLANG = config_flag(config, "CONFIG_CFI_CLANG"),
		.CONFIG_CALL_THUNKS = config_flag(config, "CONFIG_CALL_THUNKS"),
		.CONFIG_FINEIBT = config_flag(config, "CONFIG_FINEIBT"),
		.CONFIG_FUNCTION_ALIGNMENT = config_u32(config, "CONFIG_FUNCTION_ALIGNMENT"),
		.CONFIG_FUNCTION_PADDING_BYTES = config_u32(config, "CONFIG_FUNCTION_PADDING_BYTES"),
		.case_c_intent = config_string_is(config, "caseCReading", "intent"),
		.CONFIG_DYNAMIC_FTRACE_WITH_ARGS = config_flag(config, "CONFIG_DYNAMIC_FTRACE_WITH_ARGS"),
		.CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS = config_flag(config, "CONFIG_DYNAMIC_FTRACE_WITH_CALL_OPS"),
		.CONFIG_FUNCTION_ALIGNMENT_8B = config_flag(config, "CONFIG_FUNCTION_ALIGNMENT_8B"),
		.CONFIG_ARM64_BTI_KERNEL = config_flag(config, "CONFIG_ARM64_BTI_KERNEL"),
	};
	boot.page_size = (u32)reply_u64(kj_member(b, "pageSize"), "create.pageSize");
	boot.max_order = (u32)reply_u64(kj_member(b, "maxOrder"), "create.maxOrder");
	boot.text_base = reply_u64(kj_member(b, "textBase"), "create.textBase");
	boot.text_size = reply_u64(kj_member(b, "textSize"), "create.textSize");
	for (const struct kj *e = order->child; e && i < 5; e = e->next, i++)
		boot.poke_byte_order[i] = (u8)reply_u64(e, "create.pokeByteOrder");
	const struct kj *fns = kj_member(b, "functions");
	size_t count = 0;

	for (const struct kj *f = fns ? fns->child : NULL; f; f = f->next)
		count++;
	functions = calloc(count ? count : 1, sizeof(*functions));
	if (!functions)
		die("out of memory");
	i = 0;
	for (const struct kj *f = fns ? fns->child : NULL; f; f = f->next, i++) {
		const char *name = kj_string(kj_member(f, "name"));

		functions[i].name = strdup(name ? name : "");
		functions[i].ip = kj_u64(kj_member(f, "ip"), &n) ? n : 0;
		kj_bool(kj_member(f, "padded"), &functions[i].padded);
	}
	boot.nr_functions = count;
	boot.functions = functions;
	kfmd_boot = &boot;
}

static enum verb verb_named(const char *name)
{
	for (size_t v = V_LOCK; v < sizeof(verb_names) / sizeof(verb_names[0]); v++)
		if (strcmp(verb_names[v], name) == 0)
			return (enum verb)v;
	die("kfmd asked for an unknown verb %s", name);
}

static struct kfmd_op *op_by_id(uint64_t id)
{
	for (struct kfmd_op *op = ops; op; op = op->next)
		if (op->id == id)
			return op;
	die("kfmd answered op %" PRIu64 ", which is not waiting", id);
}

static void dispatch(const struct kj *msg)
{
	const char *t = kj_string(kj_member(msg, "t"));
	uint64_t id = 0, arg = 0;
	bool rcu = false;

	if (!t)
		die("a line without \"t\"");
	if (strcmp(t, "hello") == 0) {
		send_hello();
		return;
	}
	kj_u64(kj_member(msg, "op"), &id);
	if (strcmp(t, "ok") == 0) {
		resume(op_by_id(id), kj_member(msg, "value"));
	} else if (strcmp(t, "create") == 0) {
		reset();
		read_boot(kj_member(msg, "boot"));
		start(id, V_CREATE, 0, false);
	} else if (strcmp(t, "call") == 0) {
		const char *verb = kj_string(kj_member(msg, "verb"));

		if (!verb)
			die("a call without a verb");
		if (!kj_u64(kj_member(msg, "ip"), &arg))
			kj_u64(kj_member(msg, "md"), &arg);
		kj_bool(kj_member(msg, "rcu"), &rcu);
		start(id, verb_named(verb), arg, rcu);
	} else {
		die("kfmd sent an unknown message \"%s\"", t);
	}
}

int main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	kfmd_argc = argc;
	kfmd_argv = argv;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		struct kj *msg;

		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		msg = kj_parse(line);
		if (!msg)
			die("kfmd sent a malformed line");
		dispatch(msg);
		kj_free(msg);
	}
	free(line);
	return 0;
}
