// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the capture.
 *
 * The die notifier records an oops at once, with the registers of the
 * faulting context and its call chain, before anything that follows it in
 * die(): kdump's crash_kexec(), console dumps, the panic notifiers. When
 * the oops then panics, the panic notifier adds a small follow-up record
 * with the panic's reason to the same slot (room is kept for it when the
 * panic is certain), so that one crash reads as one record and nothing
 * committed is rewritten. A panic that no oops led to is recorded from the
 * panic notifier. lcrt.oops=0 leaves out an oops that does not panic.
 *
 * Everything on the capture path runs in panic context: static buffers, no
 * locks but the region's owner (with a bounded wait and a takeover by the
 * panicking CPU), no allocation, bounded loops.
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
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/panic.h>
#include <linux/panic_notifier.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
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

static bool selftest = true;
module_param(selftest, bool, 0400);
MODULE_PARM_DESC(selftest,
		 "build one record at boot, not committed, to check the capture path (default: on)");

/* Frames the self-test named, or -1 when it did not run. */
static int lcrt_selftest_named __ro_after_init = -1;

/*
 * The last oops, which the panic that follows may continue: the panic may
 * run on another CPU (x86 enables interrupts between the two).
 */
struct lcrt_oops {
	struct task_struct *task;	/* NULL: no panic is expected */
	const char *str;
	long err;
	int slot;		/* where it was recorded, or -1 */
	u64 seq;
};

static struct lcrt_oops lcrt_oops;
/*
 * The record is built here: the Kconfig budget until the early initcall,
 * then a buffer of the region's slot size if that is larger.
 */
static u8 lcrt_early_buf[CONFIG_LCRT_RECORD_SIZE] __aligned(8);
static u8 *lcrt_buf = lcrt_early_buf;
static size_t lcrt_buf_size = sizeof(lcrt_early_buf);
static struct lcrt_trace lcrt_trace;
/* The other CPUs, for a capture from the panic notifier. */
static struct lcrt_cpu lcrt_cpus[LCRT_CPUS_MAX];
static bool lcrt_at_panic;

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

/* Is this CPU the one that panics (the others are stopped, or stopping). */
bool lcrt_panicking(void)
{
	return atomic_read(&panic_cpu) == raw_smp_processor_id();
}

NOKPROBE_SYMBOL(lcrt_panicking);

/**
 * lcrt_panic_event() - what kind of crash a panic message speaks of
 * @msg: the panic's message, or NULL
 *
 * Return: LCRT_EV_WARN for panic_on_warn, LCRT_EV_WATCHDOG for a lockup,
 * hung task or RCU stall, else LCRT_EV_PANIC.
 */
u8 lcrt_panic_event(const char *msg)
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

/**
 * lcrt_realtime() - the wall-clock time a record carries
 * @real: CLOCK_REALTIME now, in ns
 * @boot: CLOCK_BOOTTIME now, in ns
 *
 * A clock that says this boot began within a day of 1970 was never set
 * (no RTC, no NTP yet), and would only date the crash wrong.
 *
 * Context: any.
 * Return: @real, or 0 when the clock was never set.
 */
u64 lcrt_realtime(u64 real, u64 boot)
{
	return real < boot + 86400ULL * NSEC_PER_SEC ? 0 : real;
}

NOKPROBE_SYMBOL(lcrt_realtime);

/* The kernel's build-id, read at boot (STACKTRACE_BUILD_ID), if it has one. */
static u8 lcrt_build_id_len(void)
{
	return memchr_inv(vmlinux_build_id, 0, BUILD_ID_SIZE_MAX) ?
	       BUILD_ID_SIZE_MAX : 0;
}

NOKPROBE_SYMBOL(lcrt_build_id_len);

/**
 * lcrt_oops_reason() - the reason an oops is recorded with
 * @buf: where to write it
 * @size: its size: the reason is cut to fit
 * @msg: the panic's message for the oops's follow-up, or NULL
 * @str: what die() says ("Oops", a BUG's text); empty or NULL: "Oops"
 * @err: die()'s error code
 *
 * "STR, err 0x...", or "MSG (after STR, err 0x...)".
 */
void lcrt_oops_reason(char *buf, size_t size, const char *msg,
		      const char *str, long err)
{
	const char *what = str && *str ? str : "Oops";

	if (msg)
		scnprintf(buf, size, "%s (after %s, err %#lx)", msg, what, err);
	else
		scnprintf(buf, size, "%s, err %#lx", what, err);
}

NOKPROBE_SYMBOL(lcrt_oops_reason);

/*
 * Build the record of this moment in lcrt_buf, within @budget: facts,
 * registers (those of @regs, an oops's, or none), the chain from @regs or
 * from here (a hung-task panic: the blocked task's), named, its culprit,
 * the other CPUs (from the panic notifier) and the stack windows. Returns
 * its length.
 */
static size_t lcrt_build(u8 event, const char *reason, struct pt_regs *regs,
			 size_t budget, u64 seq)
{
	static char comm[TASK_COMM_LEN];
	static char text[160];
	static struct lcrt_hung hung;
	unsigned long irq_pc = 0;
	struct lcrt_facts f = {
		.event = event,
		.context = lcrt_context(),
		.cpu = raw_smp_processor_id(),
		.pid = task_pid_nr(current),
		.preempt_count = preempt_count(),
		.taint = get_taint(),
		.uptime_ns = ktime_get_mono_fast_ns(),
		.comm = comm,
		.release = init_utsname()->release,
		.build_id = vmlinux_build_id,
		.build_id_len = lcrt_build_id_len(),
		.realtime_ns = lcrt_realtime(ktime_get_real_fast_ns(),
					     ktime_get_boot_fast_ns()),
		.boot_id = lcrt_boot_id(),
		.kaslr_offset = lcrt_arch_kaslr_offset(),
		.trace = &lcrt_trace,
		.window_words = window_words,
	};

	strscpy(comm, current->comm, sizeof(comm));
	strscpy(text, reason ?: "", sizeof(text));
	f.reason = strim(text);
	/*
	 * A soft lockup panics from the watchdog's timer interrupt: keep the
	 * registers of what it interrupted, as its console report shows them.
	 * Not from an NMI (which sets no irq regs) nor for a hard lockup (the
	 * buddy detector panics on the CPU that watches, not the stuck one).
	 */
	if (regs) {
		f.regs = lcrt_arch_regs(regs, &f.nregs);
	} else if (event == LCRT_EV_WATCHDOG && in_hardirq() && !in_nmi() &&
		   !(reason && strstr(reason, "Hard LOCKUP")) && get_irq_regs()) {
		f.regs = lcrt_arch_regs(get_irq_regs(), &f.nregs);
		irq_pc = instruction_pointer(get_irq_regs());
	}

	/* A hung task's record is the blocked task's chain, not ours. */
	if (!regs && event == LCRT_EV_WATCHDOG && reason &&
	    strstr(reason, "hung_task") && lcrt_hung_task(&lcrt_trace, &hung))
		f.blocked = &hung;
	else
		lcrt_unwind(&lcrt_trace, regs);
	lcrt_symbolize(&lcrt_trace);
	lcrt_culprit(&lcrt_trace, event, reason, irq_pc);
	/* After smp_send_stop(): where each other CPU stopped. */
	if (lcrt_at_panic) {
		f.cpus = lcrt_cpus;
		f.ncpus = lcrt_other_cpus(lcrt_cpus, ARRAY_SIZE(lcrt_cpus));
	}
	return lcrt_encode(&f, lcrt_buf, min(budget, lcrt_buf_size), seq);
}

NOKPROBE_SYMBOL(lcrt_build);

/*
 * Build a record in lcrt_buf within @budget and commit it to a slot marked
 * pending before the unwind. @regs: the registers of an oops, or NULL (a
 * panic: walk from here). The caller owns the region. Returns the slot.
 */
static int lcrt_capture(struct lcrt_region *r, u8 event, const char *reason,
			struct pt_regs *regs, size_t budget, u64 t0)
{
	size_t len;
	int slot;

	slot = lcrt_region_begin(r);
	if (slot < 0)
		goto lost;
	lcrt_store_beat();
	len = lcrt_build(event, reason, regs, min(budget, r->slot_size),
			 r->next_seq);
	lcrt_record_seal(lcrt_buf,
			 min_t(u64, ktime_get_mono_fast_ns() - t0, U32_MAX));
	/* A panic took the region over while this one was slow: it writes. */
	if (!lcrt_store_held()) {
		lcrt_store_lost();
		return -EBUSY;
	}
	lcrt_store_beat();
	slot = lcrt_region_commit(r, slot, lcrt_buf, len);
	if (slot >= 0)
		return slot;
lost:
	lcrt_region_drop(r);
	return slot;
}

NOKPROBE_SYMBOL(lcrt_capture);

/*
 * Continue the record of an oops with the panic it led to: a follow-up
 * record of the same seq, after it in its slot. False when there is no
 * room there (the panic is then recorded as a record of its own).
 */
static bool lcrt_followup(struct lcrt_region *r, const struct lcrt_oops *oops,
			  const char *msg, u64 t0)
{
	/* What fits after the record's last byte, aligned, in the room kept. */
	const size_t text = LCRT_FOLLOWUP_ROOM - 7 -
			    sizeof(struct lcrt_record_header) -
			    sizeof(struct lcrt_section);
	struct lcrt_enc e;
	size_t len;

	lcrt_enc_init(&e, lcrt_buf, LCRT_FOLLOWUP_ROOM);
	lcrt_enc_section_begin(&e, LCRT_SEC_REASON);
	lcrt_enc_bytes(&e, msg, min(strlen(msg), text));
	lcrt_enc_section_end(&e);
	len = lcrt_enc_finish(&e, oops->seq, LCRT_F_FOLLOWUP);
	if (!len)
		return false;
	lcrt_record_seal(lcrt_buf,
			 min_t(u64, ktime_get_mono_fast_ns() - t0, U32_MAX));
	return !lcrt_region_append(r, oops->slot, lcrt_buf, len);
}

NOKPROBE_SYMBOL(lcrt_followup);

static int lcrt_die_notify(struct notifier_block *nb, unsigned long val,
			   void *data)
{
	struct lcrt_oops *oops = &lcrt_oops;
	struct lcrt_region *r = lcrt_store();
	struct die_args *args = data;
	u64 t0 = ktime_get_mono_fast_ns();
	static char reason[160];
	bool will_panic;
	size_t budget;
	int slot;

	if (val != DIE_OOPS || !args || !args->regs || user_mode(args->regs))
		return NOTIFY_DONE;
	/*
	 * die() panics after the notifiers, and so does the death of init,
	 * of an idle task or of an interrupt handler (make_task_dead()).
	 */
	will_panic = panic_on_oops || in_interrupt() ||
		     is_global_init(current) || is_idle_task(current);
	if (!r || (!record_oops && !will_panic))
		return NOTIFY_DONE;
	if (!lcrt_store_lock(false)) {
		lcrt_store_lost();
		return NOTIFY_DONE;
	}
	/*
	 * Keep room for what a panic would add, whether or not one is
	 * certain (init's other threads, a later notifier that stops it):
	 * but not out of a slot too small for anything else.
	 */
	budget = r->slot_size;
	if (budget >= 4 * LCRT_FOLLOWUP_ROOM)
		budget -= LCRT_FOLLOWUP_ROOM;
	lcrt_oops_reason(reason, sizeof(reason), NULL, args->str, args->err);
	oops->task = NULL;
	oops->seq = r->next_seq;
	slot = lcrt_capture(r, lcrt_oops_event(args->regs), reason, args->regs,
			    budget, t0);
	oops->str = args->str;
	oops->err = args->err;
	oops->slot = slot;
	/* Only a panic that is certain continues it: never a later one. */
	oops->task = will_panic ? current : NULL;
	lcrt_store_unlock();
	return NOTIFY_DONE;
}

NOKPROBE_SYMBOL(lcrt_die_notify);

static int lcrt_panic_notify(struct notifier_block *nb, unsigned long val,
			     void *data)
{
	struct lcrt_oops *oops = &lcrt_oops;
	struct lcrt_region *r = lcrt_store();
	u64 t0 = ktime_get_mono_fast_ns();
	static char reason[160];
	const char *msg = data ?: "";

	if (!r)
		return NOTIFY_DONE;
	if (!lcrt_store_lock(true)) {
		/* This CPU's own capture was interrupted: leave it torn. */
		lcrt_store_lost();
		return NOTIFY_DONE;
	}
	/* What an oops queued for a medium goes out before anything else. */
	if (r->medium && r->medium->flush)
		r->medium->flush(r);
	lcrt_at_panic = true;
	/* Only the oops this task committed last: nothing since. */
	if (oops->task != current || oops->slot < 0 ||
	    oops->seq + 1 != r->next_seq) {
		lcrt_capture(r, lcrt_panic_event(data), msg, NULL, r->slot_size,
			     t0);
	} else if (!lcrt_followup(r, oops, msg, t0)) {
		/* No room after it: a record of its own, never over it. */
		lcrt_oops_reason(reason, sizeof(reason), msg, oops->str,
				 oops->err);
		r->protect = oops->slot;
		lcrt_capture(r, LCRT_EV_PANIC, reason, NULL, r->slot_size, t0);
		r->protect = -1;
	}
	oops->task = NULL;
	lcrt_at_panic = false;
	lcrt_store_unlock();
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

/**
 * lcrt_arm() - record crashes from now on
 *
 * Called once the region can be written: from the early parameter in
 * setup_arch(), from the early initcall, or when a medium is attached.
 * Registers the notifiers once.
 */
void lcrt_arm(void)
{
	static bool armed;

	if (armed)
		return;
	armed = true;
	register_die_notifier(&lcrt_die_nb);
	atomic_notifier_chain_register(&panic_notifier_list, &lcrt_panic_nb);
}

/**
 * lcrt_selftest_frames() - what the boot's self-test found
 *
 * Context: any; reads a value set at boot.
 * Return: the frames of the chain it named, or -1 when it did not run.
 */
int lcrt_selftest_frames(void)
{
	return lcrt_selftest_named;
}

/*
 * Build one record from here at boot, as a capture does, and commit
 * nothing: the region is held as a reader holds it (interrupts off), so a
 * crash on another CPU waits for it before it uses the buffers, and one on
 * this CPU (an NMI, which then panics) takes them over for good. It checks
 * that the unwinder and kallsyms give a named chain on this kernel (boot
 * log and status), and it runs the capture path once outside of panic
 * context: under an emulator (QEMU's TCG) the first run of any code is
 * mostly its translation, which would otherwise fall in the first crash.
 */
static int __init lcrt_selftest(void)
{
	u64 t0 = local_clock();
	unsigned int i, named = 0, nr;
	size_t len;

	if (!selftest || !lcrt_store())
		return 0;
	if (!lcrt_store_user_lock()) {
		pr_notice("self-test skipped: a capture holds the region\n");
		return 0;
	}
	len = lcrt_build(LCRT_EV_PANIC, "self-test", NULL,
			 lcrt_store()->slot_size, lcrt_store()->next_seq);
	nr = lcrt_trace.nr;
	for (i = 0; i < nr; i++)
		named += lcrt_trace.frames[i].name[0] != '\0';
	lcrt_store_user_unlock();
	lcrt_selftest_named = named;
	if (!len)
		pr_warn("self-test: no record could be built\n");
	else if (!named)
		pr_warn("self-test: none of %u frames named: crashes will be recorded without names\n",
			nr);
	else
		pr_info("self-test: %u of %u frames named, a record of %zu bytes, in %llu us\n",
			named, nr, len,
			div_u64(local_clock() - t0, NSEC_PER_USEC));
	return 0;
}
late_initcall(lcrt_selftest);

/**
 * lcrt_armed() - the store holds a region: record crashes into it
 * @t0: local_clock() when the store was sought, for the log
 *
 * Gives the capture a buffer of the region's slot size where the Kconfig
 * budget's is smaller, then arms.
 *
 * Context: process.
 */
void lcrt_armed(u64 t0)
{
	if (lcrt_store()->slot_size > lcrt_buf_size) {
		u8 *buf = kmalloc(lcrt_store()->slot_size, GFP_KERNEL);

		/* Swapped between captures; kept to the Kconfig budget if not. */
		if (buf && lcrt_store_user_lock()) {
			WRITE_ONCE(lcrt_buf, buf);
			smp_wmb();	/* the buffer before the size it allows */
			WRITE_ONCE(lcrt_buf_size, lcrt_store()->slot_size);
			lcrt_store_user_unlock();
		} else {
			kfree(buf);
		}
	}
	lcrt_arm();
	/* The boot's cost of LCRT: mapping, header, scanning every slot. */
	pr_info("armed in %llu us, record budget %zu bytes, %s unwinder\n",
		div_u64(local_clock() - t0, NSEC_PER_USEC),
		lcrt_store()->slot_size,
		lcrt_have_fp() ? "frame-pointer" :
		IS_ENABLED(CONFIG_ARM_UNWIND) ? "ARM unwind tables" :
		IS_ENABLED(CONFIG_UNWINDER_ORC) ? "ORC" : "kernel");
}

/* Before device initcalls, so that a crashing driver is caught. */
static int __init lcrt_init(void)
{
	u64 t0 = local_clock();
	int ret;

	ret = lcrt_store_init();
	/* No region configured: nothing to arm, and nothing wrong. */
	if (ret)
		return ret == -ENODEV ? 0 : ret;
	lcrt_armed(t0);
	return 0;
}
early_initcall(lcrt_init);
