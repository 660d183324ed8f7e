// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for LCRT: the culprit rule, and the per-architecture proofs it uses.
 *
 * Run them in a patched tree with:
 *   ./tools/testing/kunit/kunit.py run --kunitconfig=drivers/misc/lcrt
 */
#include <kunit/test.h>
#include <linux/bug.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/crc32.h>
#include <linux/prandom.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lcrt_kunit.h"

/* ------------------------------------------------------------------------
 * The culprit: which frame is blamed, and the machinery that is not
 */

/* A named chain for lcrt_culprit(): @names innermost first. */
static struct lcrt_trace *lcrt_test_named(struct kunit *test,
					  const char * const *names,
					  unsigned int n, bool exact_first)
{
	struct lcrt_trace *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->nr = n;
	t->exact_first = exact_first;
	t->culprit = -1;
	for (i = 0; i < n; i++) {
		/*
		 * Code (this function's), in no entry, scheduler or lock
		 * section: only the names say what a frame is.
		 */
		t->frames[i].pc = (unsigned long)lcrt_test_named + 16 + 4 * i;
		t->frames[i].exact = !i && exact_first;
		strscpy(t->frames[i].name, names[i], sizeof(t->frames[i].name));
	}
	return t;
}

/**
 * struct lcrt_culprit_case - a chain and what lcrt_culprit() makes of it
 * @what: what the case shows
 * @names: the chain's functions, innermost first, NULL after the last
 * @event: LCRT_EV_* of the crash
 * @reason: its reason
 * @exact_first: the first frame is a faulting pc, not a return address
 * @culprit: the frame to blame, -1 for none
 * @rule: LCRT_CULPRIT_* that blames it
 * @machinery: bit i set when frame i is machinery
 */
struct lcrt_culprit_case {
	const char *what;
	const char *names[8];
	u8 event;
	const char *reason;
	bool exact_first;
	int culprit;
	u8 rule;
	u32 machinery;
};

static const struct lcrt_culprit_case lcrt_culprit_table[] = {
	{ "a fault is the faulting function's",
	  { "drv_poke.isra.0 [drv]", "drv_ioctl [drv]", "vfs_ioctl" },
	  LCRT_EV_OOPS, "Oops, err 0x805", true, 0, LCRT_CULPRIT_FAULT, 0 },
	{ "a fault in a string or memory helper is its caller's",
	  { "memset", "drv_fill", "drv_probe" },
	  LCRT_EV_OOPS, "Oops", true, 1, LCRT_CULPRIT_CALLER, 0 },
	{ "arm's user-copy routine is a helper too",
	  { "__copy_to_user_std", "arm_copy_to_user", "drv_read [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 2, LCRT_CULPRIT_CALLER, 0 },
	{ "and so is an out-of-line copy of the inline one (6.12)",
	  { "__copy_to_user_std", "_inline_copy_to_user", "drv_read [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 2, LCRT_CULPRIT_CALLER, 0 },
	{ "not every mem* or str* is a helper",
	  { "mem_cgroup_charge", "drv_alloc", "drv_probe" },
	  LCRT_EV_OOPS, "Oops", true, 0, LCRT_CULPRIT_FAULT, 0 },
	{ "a module's function is never machinery, whatever its name",
	  { "watchdog [drv]", "drv_probe [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 0, LCRT_CULPRIT_FAULT, 0 },
	{ "hardened usercopy fails on behalf of its caller",
	  { "usercopy_abort", "__check_object_size.cold", "drv_read [drv]" },
	  LCRT_EV_BUG, "kernel BUG", true, 2, LCRT_CULPRIT_CALLER, 0x3 },
	{ "a refcount check, also in a module's copy, is its caller's",
	  { "refcount_warn_saturate", "__refcount_add.constprop.0 [drv]",
	    "drv_get [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 2, LCRT_CULPRIT_CALLER, 0x3 },
	{ "the out-of-line refcount helpers are checks too",
	  { "refcount_dec_not_one", "refcount_dec_and_lock",
	    "drv_put [drv]" },
	  LCRT_EV_OOPS, "Oops", true, 2, LCRT_CULPRIT_CALLER, 0x3 },
	{ "a list check is its caller's",
	  { "__list_add_valid_or_report", "drv_queue [drv]" },
	  LCRT_EV_BUG, "kernel BUG", true, 1, LCRT_CULPRIT_CALLER, 0x1 },
	{ "a double free that the allocator traps is its caller's",
	  { "kmem_cache_free", "drv_release [drv]", "drv_close [drv]" },
	  LCRT_EV_BUG, "kernel BUG", true, 1, LCRT_CULPRIT_CALLER, 0 },
	{ "and so is one through kvfree()",
	  { "kfree", "kvfree", "drv_release [drv]" },
	  LCRT_EV_BUG, "kernel BUG", true, 2, LCRT_CULPRIT_CALLER, 0 },
	{ "a KFENCE report from a fault is the faulting function's",
	  { "kfence_report_error", "kfence_handle_page_fault",
	    "__do_kernel_fault", "do_page_fault", "drv_read [drv]" },
	  LCRT_EV_WARN, "panic_on_warn set ...", false, 4,
	  LCRT_CULPRIT_CALLER, 0xf },
	{ "a smashed stack is the caller's of __stack_chk_fail()",
	  { "__stack_chk_fail", "drv_parse", "drv_write", "vfs_write" },
	  LCRT_EV_PANIC,
	  "stack-protector: Kernel stack is corrupted in: drv_parse",
	  false, 1, LCRT_CULPRIT_CALLER, 0x1 },
	{ "a sleep in atomic context is the sleeper's",
	  { "__schedule_bug", "msleep", "drv_timer_fn [drv]",
	    "call_timer_fn" },
	  LCRT_EV_PANIC, "scheduling while atomic", false, 2,
	  LCRT_CULPRIT_CALLER, 0x3 },
	{ "a panic through vpanic() is its caller's (6.12)",
	  { "vpanic", "panic", "drv_fatal [drv]", "drv_probe [drv]" },
	  LCRT_EV_PANIC, "drv: fatal", false, 2, LCRT_CULPRIT_CALLER, 0x3 },
	{ "nothing but machinery: no culprit rather than a wrong one",
	  { "die", "notifier_call_chain", "lcrt_capture" },
	  LCRT_EV_PANIC, "x", false, -1, 0, 0x7 },
};

static void lcrt_culprit_desc(const struct lcrt_culprit_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lcrt_culprit_table, lcrt_culprit_table, lcrt_culprit_desc);

static void lcrt_test_culprit_table(struct kunit *test)
{
	const struct lcrt_culprit_case *c = test->param_value;
	unsigned int n = 0, i;
	struct lcrt_trace *t;

	while (n < ARRAY_SIZE(c->names) && c->names[n])
		n++;
	t = lcrt_test_named(test, c->names, n, c->exact_first);
	lcrt_culprit(t, c->event, c->reason, 0);
	KUNIT_EXPECT_EQ(test, t->culprit, c->culprit);
	KUNIT_EXPECT_EQ(test, t->rule, c->rule);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, t->frames[i].machinery,
				    (bool)(c->machinery & BIT(i)), "frame %u: %s",
				    i, c->names[i]);
}

static u32 lcrt_test_data[4];

/*
 * A pc that is no code, named or not, is a jump there: the caller is to
 * blame. Code with no name is still code.
 */
static void lcrt_test_culprit_data(struct kunit *test)
{
	static const char * const chain[] = {
		"", "drv_call [drv]", "drv_ioctl [drv]",
	};
	static const char * const named[] = {
		"drv_ops [drv]", "drv_call [drv]", "drv_ioctl [drv]",
	};
	struct lcrt_trace *t;

	t = lcrt_test_named(test, chain, ARRAY_SIZE(chain), true);
	t->frames[0].pc = (unsigned long)lcrt_test_data;
	lcrt_culprit(t, LCRT_EV_OOPS, "Oops", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_CALLER);

	/* The heap, whatever a name says (a module's data is named too). */
	t = lcrt_test_named(test, named, ARRAY_SIZE(named), true);
	t->frames[0].pc = (unsigned long)t;
	lcrt_culprit(t, LCRT_EV_OOPS, "Oops", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);

	t = lcrt_test_named(test, chain, ARRAY_SIZE(chain), true);
	t->frames[0].pc = 0;
	lcrt_culprit(t, LCRT_EV_OOPS, "Oops", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);

	/* Unnamed code (the test's pcs are this file's text) is blamed. */
	t = lcrt_test_named(test, chain, ARRAY_SIZE(chain), true);
	lcrt_culprit(t, LCRT_EV_OOPS, "Oops", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 0);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_FAULT);
}

#ifdef CONFIG_GENERIC_BUG
extern struct bug_entry __start___bug_table[], __stop___bug_table[];

/* The address of a WARN's trap in this kernel, from its bug table. */
static unsigned long lcrt_test_warn_site(void)
{
	struct bug_entry *bug;

	for (bug = __start___bug_table; bug < __stop___bug_table; bug++) {
		if (!(bug->flags & BUGFLAG_WARNING))
			continue;
#ifdef CONFIG_GENERIC_BUG_RELATIVE_POINTERS
		return (unsigned long)&bug->bug_addr_disp + bug->bug_addr_disp;
#else
		return bug->bug_addr;
#endif
	}
	return 0;
}
#else
static unsigned long lcrt_test_warn_site(void)
{
	return 0;
}
#endif

static void lcrt_test_culprit_warn(struct kunit *test)
{
	static const char * const warn[] = {
		"check_panic_on_warn", "__warn", "report_bug", "bug_handler",
		"handler_of_no_name_we_know", "drv_check [drv]", "drv_probe [drv]",
	};
	unsigned long site = lcrt_test_warn_site();
	struct lcrt_trace *t;

	/*
	 * panic_on_warn: where the WARN trapped, as the bug table says, even
	 * past plumbing the table of machinery does not name.
	 */
	if (site) {
		t = lcrt_test_named(test, warn, ARRAY_SIZE(warn), false);
		t->frames[5].exact = true;
		t->frames[5].pc = site;
		lcrt_culprit(t, LCRT_EV_WARN, "panic_on_warn set ...", 0);
		KUNIT_EXPECT_EQ(test, t->culprit, 5);
		KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_FAULT);
	}
	/*
	 * A frame an interrupt stopped is not a WARN's trap (a WARN that
	 * calls warn_slowpath_fmt(), scheduling while atomic): the caller.
	 */
	t = lcrt_test_named(test, warn, ARRAY_SIZE(warn), false);
	t->frames[5].exact = true;
	lcrt_culprit(t, LCRT_EV_WARN, "panic_on_warn set ...", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 4);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_CALLER);
}

static void lcrt_test_culprit_stuck(struct kunit *test)
{
	static const char * const lockup[] = {
		"watchdog_timer_fn", "__hrtimer_run_queues", "hrtimer_interrupt",
		"arch_timer_handler_virt", "queued_spin_lock_slowpath",
		"do_raw_spin_lock [drv]", "drv_lock_twice [drv]",
		"drv_work [drv]", "process_one_work",
	};
	struct lcrt_trace *t;

	t = lcrt_test_named(test, lockup, ARRAY_SIZE(lockup), false);
	t->frames[4].exact = true;
	lcrt_culprit(t, LCRT_EV_WATCHDOG, "softlockup: hung tasks",
		     t->frames[4].pc);
	/*
	 * Not the lock's slow path, nor a module's copy of an inline lock
	 * helper: the function that took the lock.
	 */
	KUNIT_EXPECT_EQ(test, t->culprit, 6);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_STUCK);
	/* The interrupt's plumbing is machinery, whatever its name. */
	KUNIT_EXPECT_TRUE(test, t->frames[1].machinery);

	/*
	 * The interrupted pc is not in the chain, or there is none (a
	 * lockup seen from another CPU): no culprit, not the detector's.
	 */
	t = lcrt_test_named(test, lockup, ARRAY_SIZE(lockup), false);
	lcrt_culprit(t, LCRT_EV_WATCHDOG, "softlockup: hung tasks", 0x42);
	KUNIT_EXPECT_EQ(test, t->culprit, -1);
	t = lcrt_test_named(test, lockup, ARRAY_SIZE(lockup), false);
	lcrt_culprit(t, LCRT_EV_WATCHDOG, "Watchdog detected hard LOCKUP", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, -1);
}

static void lcrt_test_culprit_recursion(struct kunit *test)
{
	static const char * const deep[] = {
		"mmioset", "recurse.constprop.0", "recurse.constprop.0",
		"recurse.constprop.0", "drv_start",
	};
	static const char * const cut[] = { "mmioset", "recurse" };
	struct lcrt_trace *t;

	t = lcrt_test_named(test, deep, ARRAY_SIZE(deep), true);
	lcrt_culprit(t, LCRT_EV_OOPS, "kernel stack overflow, err 0x0", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_RECURSION);

	/* The walk stopped at the guard page: the caller of the helper. */
	t = lcrt_test_named(test, cut, ARRAY_SIZE(cut), true);
	lcrt_culprit(t, LCRT_EV_OOPS, "kernel stack overflow", 0);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_RECURSION);
}

static void lcrt_test_culprit_blocked(struct kunit *test)
{
	static const char * const hung[] = {
		"schedule", "drv_wait_reset [drv]", "drv_probe [drv]",
	};
	struct lcrt_trace *t;

	t = lcrt_test_named(test, hung, ARRAY_SIZE(hung), false);
	/* The scheduler is known by its text section, not by name. */
	t->frames[0].pc = (unsigned long)schedule + 8;
	t->rule_hint = LCRT_CULPRIT_BLOCKED;
	lcrt_culprit(t, LCRT_EV_WATCHDOG, "hung_task: blocked tasks", 0);
	KUNIT_EXPECT_TRUE(test, t->frames[0].machinery);
	KUNIT_EXPECT_EQ(test, t->culprit, 1);
	KUNIT_EXPECT_EQ(test, t->rule, LCRT_CULPRIT_BLOCKED);
}

/* The record keeps the culprit, and gives machinery's words to others. */
static void lcrt_test_culprit_record(struct kunit *test)
{
	struct lcrt_test_record *r = lcrt_test_record(test, 5);
	struct lcrt_test_view *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	u8 *buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	r->trace.frames[0].machinery = true;
	r->trace.frames[1].machinery = true;
	r->trace.frames[4].machinery = true;
	r->trace.culprit = 2;
	r->trace.rule = LCRT_CULPRIT_CALLER;
	len = lcrt_encode(&r->facts, buf, 1024, 7);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_TRUE(test, v->culprit);
	KUNIT_EXPECT_EQ(test, v->culprit_idx, 2ULL);
	KUNIT_EXPECT_EQ(test, v->rule, LCRT_CULPRIT_CALLER);
	KUNIT_EXPECT_EQ(test, v->nframes, 5U);
	/*
	 * Frame 0 is machinery inner to the culprit: no words; 1 is the
	 * culprit's callee and 4 is outer to it: they keep theirs.
	 */
	KUNIT_EXPECT_EQ(test, v->window_words[0], 0U);
	KUNIT_EXPECT_EQ(test, v->window_words[1], 4U);
	KUNIT_EXPECT_EQ(test, v->window_words[2], 4U);
	KUNIT_EXPECT_EQ(test, v->window_words[4], 4U);
	KUNIT_EXPECT_EQ(test, v->nwindows, 4U);

	/*
	 * A budget too small for every frame: outer frames go, and the
	 * culprit, its callee and its callers keep their windows.
	 */
	r = lcrt_test_record(test, 12);
	r->trace.frames[0].machinery = true;
	r->trace.culprit = 1;
	r->trace.rule = LCRT_CULPRIT_FAULT;
	len = lcrt_encode(&r->facts, buf, lcrt_full_size(r, buf) / 2, 9);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_GT(test, v->dropped, 0U);
	KUNIT_EXPECT_TRUE(test, v->culprit);
	KUNIT_EXPECT_EQ(test, v->culprit_idx, 1ULL);
	KUNIT_EXPECT_GT(test, v->window_words[0], 0U);	/* the callee's */
	KUNIT_EXPECT_GT(test, v->window_words[1], 0U);
	KUNIT_EXPECT_GT(test, v->window_words[2], 0U);
	KUNIT_EXPECT_TRUE(test, v->flags & LCRT_F_TRUNCATED);

	/*
	 * An interrupt's plumbing between the first frame and the culprit's
	 * callee is recorded without names; the rest keep theirs.
	 */
	r = lcrt_test_record(test, 6);
	r->trace.frames[1].machinery = true;
	r->trace.frames[2].machinery = true;
	r->trace.frames[3].machinery = true;
	r->trace.culprit = 4;
	r->trace.rule = LCRT_CULPRIT_STUCK;
	len = lcrt_encode(&r->facts, buf, 1024, 10);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_EQ(test, v->nframes, 6U);
	KUNIT_EXPECT_STREQ(test, v->name[0], "lcrt_test_function_0");
	KUNIT_EXPECT_STREQ(test, v->name[1], "");
	KUNIT_EXPECT_STREQ(test, v->name[2], "");
	KUNIT_EXPECT_STREQ(test, v->name[3], "lcrt_test_function_3");
	KUNIT_EXPECT_STREQ(test, v->name[4], "lcrt_test_function_4");
	KUNIT_EXPECT_EQ(test, v->pc[2], r->trace.frames[2].pc);

	/* No culprit: no section. */
	r->trace.culprit = -1;
	len = lcrt_encode(&r->facts, buf, 1024, 8);
	lcrt_record_seal(buf, 1);
	((struct lcrt_record_header *)buf)->magic = cpu_to_le32(LCRT_MAGIC);
	lcrt_test_view(test, buf, len, v);
	KUNIT_EXPECT_FALSE(test, v->culprit);
}

static noinline unsigned long lcrt_test_callee(void)
{
	unsigned long ret = (unsigned long)__builtin_return_address(0);

	barrier();
	return ret;
}

static noinline unsigned long lcrt_test_other(void)
{
	barrier();
	return 1;
}

/* The proof of a caller: the instruction before the return is its call. */
static void lcrt_test_arch_calls(struct kunit *test)
{
	unsigned long callee = (unsigned long)lcrt_test_callee;
	unsigned long other = (unsigned long)lcrt_test_other;
	unsigned long self = (unsigned long)lcrt_test_arch_calls;
	unsigned long ret;

	if (!IS_ENABLED(CONFIG_LCRT_ARCH_REGS))
		kunit_skip(test, "no per-architecture code on this arch");
	ret = lcrt_test_callee();
	barrier();
	/* The call before the return address names its target. */
	KUNIT_EXPECT_TRUE(test, lcrt_arch_calls(ret, callee));
	KUNIT_EXPECT_FALSE(test, lcrt_arch_calls(ret, other));
	/* Not a return address at all: the start of a function. */
	KUNIT_EXPECT_FALSE(test, lcrt_arch_calls(other, callee));
	KUNIT_EXPECT_TRUE(test, lcrt_proven_caller(ret, callee));
	KUNIT_EXPECT_FALSE(test, lcrt_proven_caller(0, callee));
	/*
	 * This function calls others (its lr is not kept) and nothing
	 * before @ret calls it: no proof.
	 */
	KUNIT_EXPECT_FALSE(test, lcrt_proven_caller(ret, self + 4));
}

/*
 * x86: where a function keeps its return address before its frame: at the
 * top of the stack until "push %rbp" has run, one word up right after it;
 * the push may follow an ENDBR64 (IBT) or the poison (OSP NOP3, 4 bytes)
 * that sealing writes over it.
 */
static void lcrt_test_leaf_return(struct kunit *test)
{
#if defined(CONFIG_X86_64) && defined(CONFIG_LCRT_ARCH_REGS)
	static const u8 plain[] = { 0x55, 0x48, 0x89, 0xe5, 0xc3 };
	static const u8 endbr[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89,
				    0xe5 };
	static const u8 sealed[] = { 0x66, 0x0f, 0x1f, 0x00, 0x55, 0x48, 0x89,
				     0xe5 };
	static const u8 noframe[] = { 0x48, 0x83, 0xec, 0x08, 0xc3 };
	static const struct {
		const u8 *code;
		unsigned int push;	/* offset of "push %rbp", or 0xff */
	} fns[] = {
		{ plain, 0 }, { endbr, 4 }, { sealed, 4 }, { noframe, 0xff },
	};
	unsigned long stack[2] = { 0x1111, 0x2222 }, func;
	struct pt_regs regs = { .sp = (unsigned long)stack };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		/* Without IBT no function starts with either. */
		if (fns[i].code != plain && fns[i].code != noframe &&
		    !IS_ENABLED(CONFIG_X86_KERNEL_IBT))
			continue;
		func = (unsigned long)fns[i].code;
		regs.ip = func;
		KUNIT_EXPECT_EQ_MSG(test, lcrt_leaf_return(&regs, func), 0x1111UL,
				    "fn %u at its start", i);
		if (fns[i].push == 0xff) {
			regs.ip = func + 4;
			KUNIT_EXPECT_EQ_MSG(test, lcrt_leaf_return(&regs, func),
					    0x1111UL, "fn %u, no push", i);
			continue;
		}
		regs.ip = func + fns[i].push;
		KUNIT_EXPECT_EQ_MSG(test, lcrt_leaf_return(&regs, func), 0x1111UL,
				    "fn %u at its push", i);
		regs.ip = func + fns[i].push + 1;
		KUNIT_EXPECT_EQ_MSG(test, lcrt_leaf_return(&regs, func), 0x2222UL,
				    "fn %u past its push", i);
	}
#else
	kunit_skip(test, "x86's prologue");
#endif
}

/* The other proof: a function that never writes its link register. */
static void lcrt_test_lr_kept(struct kunit *test)
{
	unsigned long leaf = (unsigned long)lcrt_test_other;
	unsigned long self = (unsigned long)lcrt_test_lr_kept;
	unsigned long size, off;

	if (!IS_ENABLED(CONFIG_ARM64))
		kunit_skip(test, "only arm64 proves a caller from a kept lr");
	KUNIT_ASSERT_TRUE(test, kallsyms_lookup_size_offset(leaf, &size, &off));
	KUNIT_EXPECT_TRUE(test, lcrt_arch_lr_kept(leaf, size));
	KUNIT_EXPECT_FALSE(test, lcrt_arch_lr_kept(leaf, 0));
	/* This function calls others: its lr is not kept. */
	KUNIT_ASSERT_TRUE(test, kallsyms_lookup_size_offset(self, &size, &off));
	KUNIT_EXPECT_FALSE(test, lcrt_arch_lr_kept(self, size));
}

/*
 * The name tables are looked up by bsearch(): each is sorted, and every
 * name in them is found, with a clone's suffix too, while a longer or a
 * shorter name is not. The kernel's machinery is built in ("watchdog [drv]"
 * is a module's own); a module's copy of an inline lock or refcount helper
 * is machinery.
 */
static void lcrt_test_culprit_names(struct kunit *test)
{
	const char * const *names;
	char buf[LCRT_NAME_MAX + 1];
	unsigned int t, i;
	size_t n;

	for (t = 0; (names = lcrt_culprit_names(t, &n)); t++) {
		KUNIT_ASSERT_GT(test, n, 0);
		for (i = 1; i < n; i++)
			KUNIT_EXPECT_LT_MSG(test, strcmp(names[i - 1], names[i]), 0,
					    "%s before %s", names[i - 1],
					    names[i]);
		if (t > 1)	/* the helpers: their callers are blamed */
			continue;
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_TRUE_MSG(test, lcrt_machinery(0, names[i]),
					      "%s", names[i]);
			snprintf(buf, sizeof(buf), "%s.constprop.0", names[i]);
			KUNIT_EXPECT_TRUE_MSG(test, lcrt_machinery(0, buf),
					      "%s", buf);
			snprintf(buf, sizeof(buf), "%s [drv]", names[i]);
			KUNIT_EXPECT_EQ_MSG(test, lcrt_machinery(0, buf), t == 1,
					    "%s", buf);
			snprintf(buf, sizeof(buf), "%sx", names[i]);
			KUNIT_EXPECT_FALSE_MSG(test, lcrt_machinery(0, buf),
					       "%s", buf);
			snprintf(buf, sizeof(buf), "%.*s", (int)strlen(names[i]) - 1,
				 names[i]);
			KUNIT_EXPECT_FALSE_MSG(test, lcrt_machinery(0, buf),
					       "%s", buf);
		}
	}
	KUNIT_EXPECT_EQ(test, t, 3U);
}

/*
 * Outside of a panic every other CPU is online: each is recorded as one
 * that did not stop, with no frames, and this CPU is not among them.
 */
static void lcrt_test_other_cpus(struct kunit *test)
{
	struct lcrt_cpu *c = kunit_kcalloc(test, LCRT_CPUS_MAX, sizeof(*c),
					   GFP_KERNEL);
	unsigned int n, i, self;

	KUNIT_ASSERT_NOT_NULL(test, c);
	preempt_disable();
	self = smp_processor_id();
	n = lcrt_other_cpus(c, LCRT_CPUS_MAX);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, n, min_t(unsigned int, num_active_cpus() - 1,
				       LCRT_CPUS_MAX));
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_NE(test, c[i].cpu, self);
		KUNIT_EXPECT_EQ(test, c[i].state, LCRT_CPU_RUNNING);
		KUNIT_EXPECT_EQ(test, c[i].nr, 0);
	}
}

static struct kunit_case lcrt_culprit_cases[] = {
	KUNIT_CASE_PARAM(lcrt_test_culprit_table,
			 lcrt_culprit_table_gen_params),
	KUNIT_CASE(lcrt_test_culprit_names),
	KUNIT_CASE(lcrt_test_culprit_data),
	KUNIT_CASE(lcrt_test_culprit_warn),
	KUNIT_CASE(lcrt_test_culprit_stuck),
	KUNIT_CASE(lcrt_test_culprit_recursion),
	KUNIT_CASE(lcrt_test_culprit_blocked),
	KUNIT_CASE(lcrt_test_culprit_record),
	KUNIT_CASE(lcrt_test_arch_calls),
	KUNIT_CASE(lcrt_test_leaf_return),
	KUNIT_CASE(lcrt_test_lr_kept),
	KUNIT_CASE(lcrt_test_other_cpus),
	{}
};

static struct kunit_suite lcrt_culprit_suite = {
	.name = "lcrt_culprit",
	.test_cases = lcrt_culprit_cases,
};

kunit_test_suite(lcrt_culprit_suite);
