/*
 * misbehave.c: v4 (../v4.c), except that kfunc_md_get misbehaves as its first argument says,
 * after one load so that it does so mid-operation. The protocol's tests start it as
 * `misbehave MODE` and check that kfmd names what it did:
 *
 *   throws       BUG(): the verb ends with a message
 *   hangs-steps  loads forever (the step budget)
 *   hangs-wall   sleeps forever (the wall-clock budget)
 *   crashes      SIGSEGV
 *   exits        exit(3)
 *   malformed    a load32 whose address is a string
 *   bad-return   returns a string for the md
 *   scribbles    stores 0xcc into the padding byte before the entry: outside its window (I6)
 *   (anything else: behaves as v4)
 */
#define kfunc_md_get v4_kfunc_md_get
#define kfmd_impl v4_kfmd_impl
#include "../v4.c"
#undef kfunc_md_get
#undef kfmd_impl

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static bool mode(const char *name)
{
	return kfmd_argc > 1 && strcmp(kfmd_argv[1], name) == 0;
}

static void raw(const char *line)
{
	if (write(STDOUT_FILENO, line, strlen(line)) < 0)
		exit(1);
}

kfmd_addr_t kfunc_md_get(kfmd_addr_t ip)
{
	kfmd_load8(ip - KFUNC_MD_INSN_OFFSET);
	if (mode("throws"))
		kfmd_bug("no slot for 0x%" PRIx64, ip);
	if (mode("hangs-steps"))
		for (;;)
			kfmd_load32(ip - KFUNC_MD_DATA_OFFSET);
	if (mode("hangs-wall") || mode("malformed") || mode("bad-return")) {
		if (mode("malformed"))
			raw("{\"t\":\"load32\",\"addr\":\"0x10\"}\n");
		if (mode("bad-return"))
			raw("{\"t\":\"ret\",\"value\":\"md #0\"}\n");
		for (;;)
			pause();
	}
	if (mode("crashes"))
		raise(SIGSEGV);
	if (mode("exits"))
		exit(3);
	if (mode("scribbles"))
		kfmd_store8(ip - 1, 0xcc);
	return v4_kfunc_md_get(ip);
}

const struct kfmd_impl_info kfmd_impl = {
	.name = "v4-misbehaving",
	.description = "v4 whose kfunc_md_get misbehaves as argv[1] says (impl/c/testing/misbehave.c)",
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
