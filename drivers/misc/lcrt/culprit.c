// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the culprit of a crash.
 *
 * The culprit is the function whose code did the wrong thing. The chain is
 * read innermost first from where the crash happened, past the crash
 * machinery, which stays in the chain but is never blamed and keeps no
 * stack window:
 *
 * - an oops, BUG or trapping WARN starts at the instruction that faulted
 *   or trapped; a panic from a WARN trap at the trapping frame, the first
 *   one that an exception entry interrupted;
 * - a lockup that a timer interrupt caught starts at the frame it
 *   interrupted (lock slow paths are then skipped to the function that
 *   took the lock);
 * - a panic that no exception led to starts at panic() and blames its
 *   caller; so is the caller blamed of __stack_chk_fail(), of a sleeping
 *   primitive called from atomic context, of a lock's slow path;
 * - a stack overflow blames the innermost function that appears twice in
 *   the chain (it recursed), else the first past the machinery and the
 *   string and memory helpers;
 * - a hung task blames the blocked task's function that waits, past the
 *   scheduler and the wait primitives.
 *
 * Machinery is recognised by what the code is: the kernel's entry, IRQ
 * entry, softirq entry, noinstr, scheduler and lock text sections, then by
 * name for what lives in ordinary text (panic and oops handling, BUG and
 * WARN, watchdogs, hung-task detection, lock slow paths, sleep and wait
 * primitives, notifier chains, LCRT itself). GCC's clone suffixes
 * (.constprop.0, .isra.0, .cold) do not change what a function is.
 */
#include <linux/bsearch.h>
#include <linux/bug.h>
#include <linux/freezer.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/debug.h>
#include <linux/sched/signal.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <asm/sections.h>

#include "lcrt.h"

/*
 * Functions that are the crash's machinery, wherever they live: panic and
 * oops handling, BUG and WARN, the watchdogs and the hung-task detector,
 * lock slow paths, sleep and wait primitives that are not scheduler text,
 * notifier chains and the stop of other CPUs, a blocked task's switch
 * (x86's is not scheduler text), delay loops, the sanitizers' reports, and
 * the hardening checks, which fail on behalf of their caller.
 *
 * Sorted (strcmp() order): looked up by bsearch() for every frame.
 */
static const char * const lcrt_machinery_names[] = {
	"__atomic_notifier_call_chain", "__bad_area", "__bad_area_nosemaphore",
	"__cant_migrate", "__cant_sleep", "__check_heap_object",
	"__check_object_size", "__const_udelay", "__csd_lock_wait", "__delay",
	"__die", "__do_kernel_fault", "__do_page_fault", "__flush_work",
	"__flush_workqueue", "__folio_lock", "__fortify_panic",
	"__fortify_report", "__kfence_free", "__list_add_valid",
	"__list_add_valid_or_report", "__list_del_entry_valid",
	"__list_del_entry_valid_or_report", "__loop_delay", "__might_fault",
	"__might_resched", "__might_sleep", "__pv_queued_spin_lock_slowpath",
	"__report_bug", "__schedule_bug", "__stack_chk_fail", "__switch_to",
	"__switch_to_asm", "__timer_delay", "__timer_udelay", "__udelay",
	"__wait_on_bit", "__wait_on_buffer", "__wait_rcu_gp", "__warn",
	"__warn_printk", "arm_notify_die", "atomic_notifier_call_chain",
	"bad_area", "bad_area_access_error", "bad_area_nosemaphore", "bad_mode",
	"brk_handler", "bug_brk_handler", "bug_handler", "call_break_hook",
	"call_el1_break_hook", "call_undef_hook", "check_cpu_stall",
	"check_heap_object", "check_hung_task",
	"check_hung_uninterruptible_tasks", "check_panic_on_warn",
	"check_stack_object", "csd_lock_wait", "delay_loop", "delay_tsc", "die",
	"die_kernel_fault", "do_DataAbort", "do_PrefetchAbort", "do_bad_area",
	"do_debug_exception", "do_el1_brk64", "do_el1_bti", "do_el1_fpac",
	"do_el1_undef", "do_error_trap", "do_kern_addr_fault",
	"do_kernel_fault", "do_mem_abort", "do_page_fault",
	"do_translation_fault", "do_trap", "do_undefinstr",
	"do_user_addr_fault", "early_brk64", "end_report", "folio_wait_bit",
	"folio_wait_bit_common", "folio_wait_writeback", "fortify_panic",
	"fsleep", "handle_bad_stack", "handle_bug", "handle_page_fault",
	"handle_stack_overflow", "kasan_report", "kernelmode_fixup_or_oops",
	"kfence_guarded_free", "kfence_handle_page_fault",
	"kfence_report_error", "msleep", "msleep_interruptible",
	"native_queued_spin_lock_slowpath", "nmi_panic", "nmi_panic_self_stop",
	"notifier_call_chain", "notify_die", "on_each_cpu_cond_mask",
	"oops_end", "out_of_line_wait_on_bit", "page_fault_oops", "panic",
	"panic_other_cpus_shutdown", "panic_smp_self_stop", "print_cpu_stall",
	"queued_read_lock_slowpath", "queued_spin_lock_slowpath",
	"queued_write_lock_slowpath", "rcu_sched_clock_irq",
	"refcount_dec_and_lock", "refcount_dec_and_lock_irqsave",
	"refcount_dec_and_mutex_lock", "refcount_dec_if_one",
	"refcount_dec_not_one", "refcount_warn_saturate", "report_bug",
	"rt_mutex_slowlock", "rt_spin_lock", "smp_call_function",
	"smp_call_function_many", "smp_call_function_many_cond",
	"smp_call_function_single", "smp_send_stop", "ssleep",
	"synchronize_rcu", "usercopy_abort", "usleep_range_state", "vpanic",
	"warn_slowpath_fmt", "watchdog", "watchdog_buddy_check_hardlockup",
	"watchdog_check_hardlockup_other_cpu", "watchdog_hardlockup_check",
	"watchdog_overflow_callback", "watchdog_timer_fn",
};

/*
 * The kernel's inline lock and reference-count helpers, which a module may
 * hold an out-of-line copy of ("do_raw_spin_lock [mod]",
 * "__refcount_add.constprop.0"): machinery in a module too. Sorted.
 */
static const char * const lcrt_inline_names[] = {
	"__raw_spin_lock", "__raw_spin_lock_bh", "__raw_spin_lock_irq",
	"__raw_spin_lock_irqsave", "__refcount_add", "__refcount_add_not_zero",
	"__refcount_dec", "__refcount_dec_and_test", "__refcount_inc",
	"__refcount_inc_not_zero", "__refcount_sub_and_test", "arch_spin_lock",
	"do_raw_read_lock", "do_raw_spin_lock", "do_raw_write_lock",
	"queued_read_lock", "queued_spin_lock", "queued_write_lock",
	"refcount_add", "refcount_add_not_zero", "refcount_dec",
	"refcount_dec_and_test", "refcount_inc", "refcount_inc_not_zero",
	"refcount_sub_and_test", "spin_lock", "spin_lock_bh", "spin_lock_irq",
	"spin_lock_irqsave",
};

/*
 * String, memory and user-copy helpers, and the allocator's free paths
 * (whose hardening checks trap on a double or cross-cache free): a fault
 * in one is its caller's (syzkaller's rule, too). Sorted.
 */
static const char * const lcrt_helper_names[] = {
	"___cache_free", "__arch_copy_from_user", "__arch_copy_to_user",
	"__clear_user", "__clear_user_memset", "__clear_user_std",
	"__copy_from_user", "__copy_to_user", "__copy_to_user_memcpy",
	"__copy_to_user_std", "__copy_user_memcpy", "__kmem_cache_free",
	"__kmem_cache_free_bulk", "__memcpy", "__memmove", "__memset",
	"__slab_free", "_copy_from_user", "_copy_to_user",
	"_inline_copy_from_user", "_inline_copy_to_user", "arm_clear_user",
	"arm_copy_from_user", "arm_copy_to_user", "build_detached_freelist",
	"clear_user", "copy_user_enhanced_fast_string",
	"copy_user_generic_string", "do_slab_free", "free_large_kmalloc",
	"kfree", "kfree_const", "kfree_sensitive", "kmem_cache_free",
	"kmem_cache_free_bulk", "kvfree", "kvfree_sensitive", "memchr",
	"memcmp", "memcpy", "memcpy_fromio", "memcpy_orig", "memcpy_toio",
	"memmove", "memscan", "memset", "memset_io", "memset_orig", "mmiocpy",
	"mmioset", "raw_copy_from_user", "raw_copy_to_user",
	"rep_movs_alternative", "strcat", "strchr", "strcmp", "strcpy",
	"strlcpy", "strlen", "strncat", "strncmp", "strncpy", "strnlen",
	"strrchr", "strscpy", "strsep", "strstr",
};

/* Sanitizer hooks, by prefix: a report in one is its caller's. */
static const char * const lcrt_helper_prefixes[] = {
	"__asan_", "__kasan_", "__ubsan_", "__kcsan_", "__tsan_",
};

/* "func [module]" or "func.constprop.0" is func. */
static size_t lcrt_base_len(const char *name)
{
	return strcspn(name, " .");
}

NOKPROBE_SYMBOL(lcrt_base_len);

/* A name cut to @len bytes, as bsearch()'s key. */
struct lcrt_name_key {
	const char *name;
	size_t len;
};

static int lcrt_name_cmp(const void *key, const void *elt)
{
	const struct lcrt_name_key *k = key;
	const char *want = *(const char * const *)elt;
	int c = strncmp(k->name, want, k->len);

	if (c)
		return c;
	return want[k->len] ? -1 : 0;
}

NOKPROBE_SYMBOL(lcrt_name_cmp);

/* Is @name's function (without its clone suffix or module) in @table? */
static bool lcrt_name_in(const char *name, const char * const *table,
			 size_t n)
{
	struct lcrt_name_key k = { name, lcrt_base_len(name) };

	return bsearch(&k, table, n, sizeof(*table), lcrt_name_cmp);
}

NOKPROBE_SYMBOL(lcrt_name_in);

static bool lcrt_in(unsigned long pc, const char *lo, const char *hi)
{
	return pc >= (unsigned long)lo && pc < (unsigned long)hi;
}

NOKPROBE_SYMBOL(lcrt_in);

/**
 * lcrt_machinery() - is a frame part of the crash machinery
 * @pc: the frame's pc (a return address is looked up where it called)
 * @name: its function as LCRT names it, "" when unnamed
 *
 * Context: any, including panic; no locks.
 * Return: true for entry, IRQ entry, noinstr, scheduler and lock code, and
 * for the functions of panic, oops, BUG, WARN, watchdog and lock handling.
 */
bool lcrt_machinery(unsigned long pc, const char *name)
{
	if (lcrt_in_entry_text(pc) ||
	    lcrt_in(pc, __irqentry_text_start, __irqentry_text_end) ||
	    lcrt_in(pc, __softirqentry_text_start, __softirqentry_text_end) ||
	    lcrt_in(pc, __noinstr_text_start, __noinstr_text_end) ||
	    in_sched_functions(pc))
		return true;
	if (!name[0])
		return false;
	if (lcrt_name_in(name, lcrt_inline_names, ARRAY_SIZE(lcrt_inline_names)))
		return true;
	/*
	 * The machinery named below is built in: a module's function of the
	 * same name ("watchdog [foo]", "lcrt_crash_oops [lcrt_crash]") is not.
	 */
	if (strchr(name, ' '))
		return false;
	if (!strncmp(name, "lcrt_", 5))
		return true;
	return lcrt_name_in(name, lcrt_machinery_names,
			    ARRAY_SIZE(lcrt_machinery_names));
}

NOKPROBE_SYMBOL(lcrt_machinery);

static bool lcrt_helper(const char *name)
{
	unsigned int i;

	if (lcrt_name_in(name, lcrt_helper_names, ARRAY_SIZE(lcrt_helper_names)))
		return true;
	for (i = 0; i < ARRAY_SIZE(lcrt_helper_prefixes); i++)
		if (!strncmp(name, lcrt_helper_prefixes[i],
			     strlen(lcrt_helper_prefixes[i])))
			return true;
	return false;
}

NOKPROBE_SYMBOL(lcrt_helper);

#if IS_ENABLED(CONFIG_LCRT_KUNIT_TEST)
/* The name tables, for KUnit to check that they are sorted. */
const char * const *lcrt_culprit_names(unsigned int i, size_t *n)
{
	static const struct {
		const char * const *names;
		size_t n;
	} tables[] = {
		{ lcrt_machinery_names, ARRAY_SIZE(lcrt_machinery_names) },
		{ lcrt_inline_names, ARRAY_SIZE(lcrt_inline_names) },
		{ lcrt_helper_names, ARRAY_SIZE(lcrt_helper_names) },
	};

	if (i >= ARRAY_SIZE(tables))
		return NULL;
	*n = tables[i].n;
	return tables[i].names;
}
#endif

/* Did a WARN trap at @pc, as the kernel's bug table says? */
static bool lcrt_warn_trap(unsigned long pc)
{
#ifdef CONFIG_GENERIC_BUG
	const struct bug_entry *bug = find_bug(pc);

	return bug && (bug->flags & BUGFLAG_WARNING);
#else
	return false;
#endif
}

NOKPROBE_SYMBOL(lcrt_warn_trap);

/* The pc a frame's function is looked up by: the call, for a return. */
static unsigned long lcrt_call_pc(const struct lcrt_frame *f)
{
	if (f->exact || lcrt_in_entry_text(f->pc))
		return f->pc;
	return f->pc - (IS_ENABLED(CONFIG_THUMB2_KERNEL) ? 2 : 1);
}

NOKPROBE_SYMBOL(lcrt_call_pc);

static bool lcrt_same_func(const struct lcrt_frame *a,
			   const struct lcrt_frame *b)
{
	size_t n = lcrt_base_len(a->name);

	if (!a->name[0] || !b->name[0])
		return a->pc - a->off == b->pc - b->off && a->pc && b->pc;
	return n == lcrt_base_len(b->name) && !strncmp(a->name, b->name, n);
}

NOKPROBE_SYMBOL(lcrt_same_func);

/*
 * A pc that is no code (the heap, a stack, the kernel's data, NULL): the
 * function that jumped there is to blame. What is code is what the kernel
 * says is text (its own, a module's, ftrace's and kprobes', the BPF it
 * lists in kallsyms), whatever kallsyms would name; and init text until
 * it is freed (the boot's last __init calls run while it is being freed).
 * Code the kernel does not list (classic BPF, EFI runtime services) reads
 * as no code: its caller is blamed.
 */
static bool lcrt_jumped_to_data(const struct lcrt_frame *f)
{
	unsigned long pc = lcrt_call_pc(f);

	if (system_state <= SYSTEM_FREEING_INITMEM && is_kernel_inittext(pc))
		return false;
	return !kernel_text_address(pc);
}

NOKPROBE_SYMBOL(lcrt_jumped_to_data);

/* The innermost frame from @from whose function recursed, or -1. */
static int lcrt_recursed(const struct lcrt_trace *t, unsigned int from)
{
	unsigned int i, k;

	for (i = from; i < t->nr; i++) {
		if (t->frames[i].machinery || lcrt_helper(t->frames[i].name))
			continue;
		if (t->frames[i].repeat)
			return i;
		for (k = i + 1; k < t->nr; k++)
			if (lcrt_same_func(&t->frames[i], &t->frames[k]))
				return i;
	}
	return -1;
}

NOKPROBE_SYMBOL(lcrt_recursed);

/**
 * lcrt_culprit() - name the culprit of a named chain
 * @t: the chain, after lcrt_symbolize(); sets @t->culprit and @t->rule
 *     and marks the machinery frames
 * @event: LCRT_EV_* of the crash
 * @reason: its reason (oops string or panic message), or NULL
 * @irq_pc: the pc a lockup's timer interrupt stopped, or 0
 *
 * Context: any, including panic; no locks, bounded by the chain.
 */
void lcrt_culprit(struct lcrt_trace *t, u8 event, const char *reason,
		  unsigned long irq_pc)
{
	bool overflow = reason && (strstr(reason, "stack overflow") ||
				   strstr(reason, "stack guard page"));
	unsigned int i, start = 0;
	int r;

	t->culprit = -1;
	t->rule = 0;
	for (i = 0; i < t->nr; i++) {
		struct lcrt_frame *f = &t->frames[i];

		f->machinery = lcrt_machinery(lcrt_call_pc(f), f->name);
	}
	if (t->rule_hint == LCRT_CULPRIT_BLOCKED) {
		t->rule = LCRT_CULPRIT_BLOCKED;
	} else if (irq_pc) {
		/* The frame the watchdog's interrupt stopped. */
		for (i = 1; i < t->nr; i++)
			if (t->frames[i].exact && t->frames[i].pc == irq_pc)
				break;
		if (i == t->nr)
			return;	/* not in the chain: nothing to blame */
		start = i;
		t->rule = LCRT_CULPRIT_STUCK;
	} else if (!t->exact_first && event == LCRT_EV_WARN) {
		/*
		 * panic_on_warn: where a WARN trapped, if it did (the bug
		 * table says so); else (a WARN that calls warn_slowpath_fmt(),
		 * a sanitizer's report, scheduling while atomic) the caller.
		 */
		for (i = 1; i < t->nr; i++)
			if (t->frames[i].exact && lcrt_warn_trap(t->frames[i].pc))
				break;
		start = i < t->nr ? i : 0;
		t->rule = i < t->nr ? LCRT_CULPRIT_FAULT : LCRT_CULPRIT_CALLER;
	} else if (!t->exact_first && event == LCRT_EV_WATCHDOG) {
		/*
		 * A lockup with no interrupted frame to start from (a hard
		 * lockup seen by another CPU, a stall, a hung task whose task
		 * was not found): no culprit rather than the detector's own.
		 */
		return;
	} else if (!t->exact_first) {
		/* A panic: its caller. */
		t->rule = LCRT_CULPRIT_CALLER;
	} else {
		t->rule = LCRT_CULPRIT_FAULT;
	}
	/* What comes before the start is the interrupt's or trap's handling. */
	for (i = 0; i < start; i++)
		t->frames[i].machinery = true;
	if (overflow) {
		r = lcrt_recursed(t, start);
		if (r >= 0) {
			t->culprit = r;
			t->rule = LCRT_CULPRIT_RECURSION;
			return;
		}
	}
	for (i = start; i < t->nr; i++) {
		const struct lcrt_frame *f = &t->frames[i];

		if (f->machinery || (f->name[0] && lcrt_helper(f->name)))
			continue;
		/* A jump into data (no code there): the caller jumped. */
		if (lcrt_jumped_to_data(f))
			continue;
		/* A frame past the machinery: its caller's, not its fault. */
		if (i > start && t->rule == LCRT_CULPRIT_FAULT)
			t->rule = LCRT_CULPRIT_CALLER;
		if (overflow)
			t->rule = LCRT_CULPRIT_RECURSION;
		t->culprit = i;
		return;
	}
	t->rule = 0;
}

NOKPROBE_SYMBOL(lcrt_culprit);

#ifdef CONFIG_DETECT_HUNG_TASK
/* Tasks looked at, at most, for the one a hung-task panic found. */
#define LCRT_HUNG_SCAN	16384

/*
 * Is @t a task the hung-task detector counts as blocked (as
 * check_hung_uninterruptible_tasks() does), that it has seen since it
 * last ran?
 */
static bool lcrt_blocked(struct task_struct *t)
{
	unsigned int state = READ_ONCE(t->__state);

	if (!(state & TASK_UNINTERRUPTIBLE) || (state & TASK_WAKEKILL) ||
	    (state & TASK_NOLOAD) || frozen(t))
		return false;
	return READ_ONCE(t->last_switch_count) == t->nvcsw + t->nivcsw &&
	       READ_ONCE(t->last_switch_time);
}

NOKPROBE_SYMBOL(lcrt_blocked);

/**
 * lcrt_hung_task() - the chain of the task a hung-task panic is about
 * @t: the trace to fill with that task's chain (no stack windows)
 * @h: what the record says of the task
 *
 * The detector panics after its scan, once it found a task blocked for
 * longer than its timeout; the one that has waited longest since it last
 * ran is that task. Its chain comes from the architecture's walk of a
 * blocked task (with windows), else from the kernel's unwinder.
 *
 * Context: panic; under RCU, a bounded walk of the task list, no locks.
 * Return: true when such a task was found.
 */
bool lcrt_hung_task(struct lcrt_trace *t, struct lcrt_hung *h)
{
	static unsigned long entries[LCRT_MAX_FRAMES];
	struct task_struct *g, *p, *found = NULL;
	unsigned long oldest = 0;
	unsigned int n = LCRT_HUNG_SCAN, i;

	rcu_read_lock();
	for_each_process_thread(g, p) {
		/* Two loops: leave both, as the detector does. */
		if (!n--)
			goto scanned;
		if (p == current || !lcrt_blocked(p))
			continue;
		if (!found || time_before(p->last_switch_time, oldest)) {
			found = p;
			oldest = p->last_switch_time;
		}
	}
scanned:
	if (!found) {
		rcu_read_unlock();
		return false;
	}
	h->pid = task_pid_nr(found);
	strscpy(h->comm, found->comm, sizeof(h->comm));
	h->state = READ_ONCE(found->__state);
	h->waited_ms = jiffies_to_msecs(jiffies - oldest);
	t->exact_first = false;
	t->culprit = -1;
	t->rule_hint = LCRT_CULPRIT_BLOCKED;
	/* The arch's own walk keeps windows; else the kernel's unwinder. */
	if (!lcrt_arch_unwind_task(t, found, NULL)) {
		n = stack_trace_save_tsk(found, entries, LCRT_MAX_FRAMES, 0);
		memset(t->frames, 0, sizeof(t->frames[0]) * n);
		for (i = 0; i < n; i++)
			t->frames[i].pc = entries[i];
		t->nr = n;
		t->unwinder = LCRT_UNW_KERNEL;
		t->windows = false;
		t->windows_up = false;
		t->stop = n == LCRT_MAX_FRAMES ? LCRT_STOP_DEPTH : LCRT_STOP_END;
	}
	rcu_read_unlock();
	return true;
}

NOKPROBE_SYMBOL(lcrt_hung_task);
#else
bool lcrt_hung_task(struct lcrt_trace *t, struct lcrt_hung *h)
{
	return false;
}
#endif
