// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the capture.
 *
 * The die notifier sees an oops with the registers of the faulting context.
 * An oops that will end in a panic (panic_on_oops, or in interrupt context)
 * is only remembered, and the panic notifier records it together with the
 * panic reason: one record. An oops that will not panic is recorded at once
 * (lcrt.oops=0 turns that off); if it does panic after all, the panic
 * rewrites that record in its slot. A panic that no oops led to is recorded
 * from the panic notifier.
 *
 * Everything on the capture path runs in panic context: static buffers, no
 * locks, no allocation, bounded loops, and one capture at a time.
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/bug.h>
#include <linux/buildid.h>
#include <linux/hardirq.h>
#include <linux/init.h>
#include <linux/kallsyms.h>
#include <linux/kdebug.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/panic.h>
#include <linux/panic_notifier.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <asm/irq_regs.h>

#include "lcrt.h"

static bool record_oops = true;
module_param_named(oops, record_oops, bool, 0600);
MODULE_PARM_DESC(oops, "record an oops that does not panic (default: on)");

static unsigned int window_words = 8;
module_param(window_words, uint, 0600);
MODULE_PARM_DESC(window_words, "stack words kept per frame (0 to 32)");

/* The oops in progress on a CPU, kept until the panic it may lead to. */
struct lcrt_oops {
	struct task_struct *task;
	struct pt_regs *regs;
	const char *str;
	long err;
	u8 event;
	int slot;		/* where it was recorded, or -1 */
	u64 seq;
};

static DEFINE_PER_CPU(struct lcrt_oops, lcrt_oops);
static atomic_t lcrt_busy = ATOMIC_INIT(0);
static u8 lcrt_buf[LCRT_MAX_RECORD_SIZE];
static struct lcrt_trace lcrt_trace;

static u8 lcrt_context(void)
{
	if (in_nmi())
		return LCRT_CTX_NMI;
	if (in_hardirq())
		return LCRT_CTX_HARDIRQ;
	if (in_serving_softirq())
		return LCRT_CTX_SOFTIRQ;
	return LCRT_CTX_TASK;
}

NOKPROBE_SYMBOL(lcrt_context);

/* What kind of crash a panic message speaks of. */
static u8 lcrt_panic_event(const char *msg)
{
	static const char * const watchdog[] = {
		"lockup", "LOCKUP", "hung_task", "Watchdog", "watchdog",
		"RCU Stall",
	};
	unsigned int i;

	if (!msg)
		return LCRT_EV_PANIC;
	if (strstr(msg, "panic_on_warn"))
		return LCRT_EV_WARN;
	for (i = 0; i < ARRAY_SIZE(watchdog); i++)
		if (strstr(msg, watchdog[i]))
			return LCRT_EV_WATCHDOG;
	return LCRT_EV_PANIC;
}

NOKPROBE_SYMBOL(lcrt_panic_event);

/* A BUG() trap, as opposed to any other oops. */
static u8 lcrt_oops_event(struct pt_regs *regs)
{
#ifdef CONFIG_GENERIC_BUG
	const struct bug_entry *bug = find_bug(instruction_pointer(regs));

	if (bug && !(bug->flags & BUGFLAG_WARNING))
		return LCRT_EV_BUG;
#endif
	return LCRT_EV_OOPS;
}

NOKPROBE_SYMBOL(lcrt_oops_event);

/* The kernel's build-id, read at boot (STACKTRACE_BUILD_ID), if it has one. */
static u8 lcrt_build_id_len(void)
{
	return memchr_inv(vmlinux_build_id, 0, BUILD_ID_SIZE_MAX) ?
	       BUILD_ID_SIZE_MAX : 0;
}

NOKPROBE_SYMBOL(lcrt_build_id_len);

/*
 * Build the record in lcrt_buf and commit it, to the next slot or, when
 * @slot >= 0, over the record of the same crash in that slot.
 */
static int lcrt_capture(u8 event, const char *msg, struct lcrt_oops *oops,
			int slot, u64 seq, u64 t0)
{
	static char comm[TASK_COMM_LEN];
	static char reason[160];
	struct lcrt_facts f = {
		.event = event,
		.context = lcrt_context(),
		.cpu = raw_smp_processor_id(),
		.pid = task_pid_nr(current),
		.preempt_count = preempt_count(),
		.taint = get_taint(),
		.uptime_ns = ktime_get_mono_fast_ns(),
		.comm = comm,
		.reason = reason,
		.release = init_utsname()->release,
		.build_id = vmlinux_build_id,
		.build_id_len = lcrt_build_id_len(),
		.trace = &lcrt_trace,
		.window_words = window_words,
	};
	size_t len;

	strscpy(comm, current->comm, sizeof(comm));
	if (oops->regs && msg)
		scnprintf(reason, sizeof(reason), "%s (after %s, err %#lx)",
			  msg, oops->str && *oops->str ? oops->str : "Oops",
			  oops->err);
	else if (oops->regs)
		scnprintf(reason, sizeof(reason), "%s, err %#lx",
			  oops->str && *oops->str ? oops->str : "Oops",
			  oops->err);
	else
		scnprintf(reason, sizeof(reason), "%s", msg ?: "");
	f.reason = strim(reason);
	/*
	 * A soft lockup panics from the watchdog's timer interrupt: keep the
	 * registers of what it interrupted, as its console report shows them.
	 * Not from an NMI (which sets no irq regs) nor for a hard lockup (the
	 * buddy detector panics on the CPU that watches, not the stuck one).
	 */
	if (oops->regs)
		f.regs = lcrt_arch_regs(oops->regs, &f.nregs);
	else if (event == LCRT_EV_WATCHDOG && in_hardirq() && !in_nmi() &&
		 !(msg && strstr(msg, "Hard LOCKUP")) && get_irq_regs())
		f.regs = lcrt_arch_regs(get_irq_regs(), &f.nregs);

	lcrt_unwind(&lcrt_trace, oops->regs);
	lcrt_symbolize(&lcrt_trace);
	len = lcrt_encode(&f, lcrt_buf, lcrt_store_slot_size(), seq);
	lcrt_record_seal(lcrt_buf,
			 min_t(u64, ktime_get_mono_fast_ns() - t0, U32_MAX));
	return lcrt_store_commit(slot, lcrt_buf, len);
}

NOKPROBE_SYMBOL(lcrt_capture);

static int lcrt_die_notify(struct notifier_block *nb, unsigned long val,
			   void *data)
{
	struct lcrt_oops *oops = this_cpu_ptr(&lcrt_oops);
	struct die_args *args = data;
	u64 t0 = ktime_get_mono_fast_ns();

	if (val != DIE_OOPS || !args || !args->regs || user_mode(args->regs))
		return NOTIFY_DONE;
	oops->task = current;
	oops->regs = args->regs;
	oops->str = args->str;
	oops->err = args->err;
	oops->event = lcrt_oops_event(args->regs);
	oops->slot = -1;
	/* die() panics right after the notifiers in these cases. */
	if (!record_oops || panic_on_oops || in_interrupt())
		return NOTIFY_DONE;
	if (!lcrt_store_ready() || atomic_cmpxchg(&lcrt_busy, 0, 1))
		return NOTIFY_DONE;
	oops->seq = lcrt_store_next_seq();
	oops->slot = lcrt_capture(oops->event, NULL, oops, -1, oops->seq, t0);
	atomic_set(&lcrt_busy, 0);
	return NOTIFY_DONE;
}

NOKPROBE_SYMBOL(lcrt_die_notify);

static int lcrt_panic_notify(struct notifier_block *nb, unsigned long val,
			     void *data)
{
	struct lcrt_oops *oops = this_cpu_ptr(&lcrt_oops);
	struct lcrt_oops none = { .slot = -1 };
	u64 t0 = ktime_get_mono_fast_ns();
	u8 event;

	if (!lcrt_store_ready() || atomic_cmpxchg(&lcrt_busy, 0, 1))
		return NOTIFY_DONE;
	/* Registers kept by an oops of another task are stale. */
	if (oops->task != current || !oops->regs)
		oops = &none;
	event = oops->regs ? oops->event : lcrt_panic_event(data);
	if (oops->slot >= 0)
		lcrt_capture(event, data, oops, oops->slot, oops->seq, t0);
	else
		lcrt_capture(event, data, oops, -1, lcrt_store_next_seq(), t0);
	atomic_set(&lcrt_busy, 0);
	return NOTIFY_DONE;
}

NOKPROBE_SYMBOL(lcrt_panic_notify);

static struct notifier_block lcrt_die_nb = {
	.notifier_call = lcrt_die_notify,
	.priority = INT_MAX,
};

static struct notifier_block lcrt_panic_nb = {
	.notifier_call = lcrt_panic_notify,
	.priority = INT_MAX,
};

/* Before device initcalls, so that a crashing driver is caught. */
static int __init lcrt_init(void)
{
	int ret;

	ret = lcrt_store_init();
	if (ret)
		return ret;
	register_die_notifier(&lcrt_die_nb);
	atomic_notifier_chain_register(&panic_notifier_list, &lcrt_panic_nb);
	pr_info("armed, record budget %zu bytes, %s unwinder\n",
		lcrt_store_slot_size(),
		lcrt_have_fp() ? "frame-pointer" :
		IS_ENABLED(CONFIG_ARM_UNWIND) ? "ARM unwind tables" :
		IS_ENABLED(CONFIG_UNWINDER_ORC) ? "ORC" : "kernel");
	return 0;
}
early_initcall(lcrt_init);
