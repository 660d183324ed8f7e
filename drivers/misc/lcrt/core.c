// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the capture.
 *
 * The die notifier keeps the registers of the faulting context; the panic
 * notifier unwinds from them (or from itself when no oops came first),
 * encodes one record within the byte budget and commits it to NVRAM.
 *
 * Everything on the capture path runs in panic context: static buffers, no
 * locks, no allocation, bounded loops, and one capture at a time.
 */
#define pr_fmt(fmt) "lcrt: " fmt

#include <linux/buildid.h>
#include <linux/hardirq.h>
#include <linux/init.h>
#include <linux/kallsyms.h>
#include <linux/kdebug.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>

#include "lcrt.h"

static unsigned int record_size = CONFIG_LCRT_RECORD_SIZE;
module_param(record_size, uint, 0400);
MODULE_PARM_DESC(record_size, "byte budget of one record (slot size)");

size_t lcrt_record_budget(void)
{
	return clamp_t(size_t, record_size, LCRT_MIN_RECORD_SIZE,
		       LCRT_MAX_RECORD_SIZE);
}

/* The oops in progress on a CPU, kept until the panic it may lead to. */
struct lcrt_oops {
	struct task_struct *task;
	struct pt_regs *regs;
	const char *str;
	long err;
};

static DEFINE_PER_CPU(struct lcrt_oops, lcrt_oops);
static atomic_t lcrt_busy = ATOMIC_INIT(0);
static u8 lcrt_buf[LCRT_MAX_RECORD_SIZE];
static struct lcrt_trace lcrt_trace;
static u8 lcrt_build_id[BUILD_ID_SIZE_MAX];
static u8 lcrt_build_id_len;

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

static void lcrt_put_event(struct lcrt_enc *e, u8 event)
{
	char comm[TASK_COMM_LEN];

	strscpy(comm, current->comm, sizeof(comm));
	lcrt_enc_section_begin(e, LCRT_SEC_EVENT);
	lcrt_enc_u8(e, event);
	lcrt_enc_u8(e, lcrt_context());
	lcrt_enc_varint(e, raw_smp_processor_id());
	lcrt_enc_varint(e, task_pid_nr(current));
	lcrt_enc_varint(e, preempt_count());
	lcrt_enc_varint(e, get_taint());
	lcrt_enc_varint(e, ktime_get_mono_fast_ns());
	lcrt_enc_str8(e, comm, sizeof(comm));
	lcrt_enc_section_end(e);
}

static void lcrt_put_reason(struct lcrt_enc *e, const char *msg,
			    const struct lcrt_oops *oops)
{
	static char reason[160];
	size_t len;

	if (oops->regs)
		len = scnprintf(reason, sizeof(reason), "%s (after %s, err %#lx)",
				msg, oops->str ?: "oops", oops->err);
	else
		len = strscpy(reason, msg ?: "", sizeof(reason)) < 0 ?
		      sizeof(reason) - 1 : strlen(reason);
	lcrt_enc_section_begin(e, LCRT_SEC_REASON);
	lcrt_enc_bytes(e, reason, len);
	lcrt_enc_section_end(e);
}

static void lcrt_put_kernel(struct lcrt_enc *e)
{
	lcrt_enc_section_begin(e, LCRT_SEC_KERNEL);
	lcrt_enc_str8(e, init_utsname()->release, __NEW_UTS_LEN);
	lcrt_enc_u8(e, lcrt_build_id_len);
	lcrt_enc_bytes(e, lcrt_build_id, lcrt_build_id_len);
	lcrt_enc_section_end(e);
}

/*
 * The frames, innermost first, as many as the budget holds. Returns the
 * number of frames left out.
 */
static unsigned int lcrt_put_frames(struct lcrt_enc *e,
				    const struct lcrt_trace *t)
{
	char name[KSYM_NAME_LEN];
	unsigned long prev = 0;
	unsigned int i;
	size_t mark;

	/* The frame list must hold at least its head to be worth having. */
	lcrt_enc_section_begin(e, LCRT_SEC_FRAMES);
	lcrt_enc_u8(e, t->unwinder);
	lcrt_enc_u8(e, t->stop);
	mark = e->pos;
	lcrt_enc_varint(e, 0);
	for (i = 0; i < t->nr; i++) {
		unsigned long pc = t->frames[i].pc, size = 0, off = 0;
		/*
		 * A return address may lie past the end of its caller when the
		 * call was the last instruction (a call to a noreturn function):
		 * look up the call itself, as the kernel's %pB does.
		 */
		unsigned long call = (i || !t->exact_first) && pc ? pc - 1 : pc;
		size_t before = e->pos;
		const char *sym = NULL;

		if (IS_ENABLED(CONFIG_KALLSYMS))
			sym = kallsyms_lookup(call, &size, &off, NULL, name);
		off += pc - call;
		lcrt_enc_svarint(e, (s64)(u64)pc - (s64)(u64)prev);
		lcrt_enc_varint(e, off);
		lcrt_enc_varint(e, size);
		lcrt_enc_str8(e, sym, LCRT_NAME_MAX);
		if (e->overflow) {
			e->pos = before;
			e->overflow = false;
			break;
		}
		prev = pc;
	}
	if (i < t->nr) {
		/* Rewrite the dropped count: one byte holds LCRT_MAX_FRAMES. */
		e->buf[mark] = t->nr - i;
	}
	lcrt_enc_section_end(e);
	return t->nr - i;
}

static void lcrt_capture(u8 event, const char *msg, struct lcrt_oops *oops)
{
	u64 t0 = local_clock();
	struct lcrt_enc e;
	u16 flags = 0;
	size_t len;

	if (!lcrt_store_ready() || atomic_cmpxchg(&lcrt_busy, 0, 1))
		return;

	lcrt_unwind(&lcrt_trace, oops->regs);
	lcrt_enc_init(&e, lcrt_buf, lcrt_store_slot_size());
	lcrt_put_event(&e, event);
	lcrt_put_reason(&e, msg, oops);
	lcrt_put_kernel(&e);
	if (lcrt_put_frames(&e, &lcrt_trace))
		flags |= LCRT_F_TRUNCATED;
	if (!IS_ENABLED(CONFIG_KALLSYMS))
		flags |= LCRT_F_NO_KALLSYMS;
	len = lcrt_enc_finish(&e, lcrt_store_next_seq(), flags);
	lcrt_record_seal(lcrt_buf, min_t(u64, local_clock() - t0, U32_MAX));
	lcrt_store_commit(lcrt_buf, len);

	atomic_set(&lcrt_busy, 0);
}

static int lcrt_die_notify(struct notifier_block *nb, unsigned long val,
			   void *data)
{
	struct lcrt_oops *oops = this_cpu_ptr(&lcrt_oops);
	struct die_args *args = data;

	if (val != DIE_OOPS || !args || !args->regs)
		return NOTIFY_DONE;
	oops->task = current;
	oops->regs = args->regs;
	oops->str = args->str;
	oops->err = args->err;
	return NOTIFY_DONE;
}

static int lcrt_panic_notify(struct notifier_block *nb, unsigned long val,
			     void *data)
{
	struct lcrt_oops *oops = this_cpu_ptr(&lcrt_oops);
	struct lcrt_oops none = { };

	/* Registers kept by an earlier oops of another task are stale. */
	if (oops->task != current)
		oops = &none;
	lcrt_capture(oops->regs ? LCRT_EV_OOPS : LCRT_EV_PANIC, data, oops);
	return NOTIFY_DONE;
}

static struct notifier_block lcrt_die_nb = {
	.notifier_call = lcrt_die_notify,
	.priority = INT_MAX,
};

static struct notifier_block lcrt_panic_nb = {
	.notifier_call = lcrt_panic_notify,
	.priority = INT_MAX,
};

/* The GNU build-id note of vmlinux, read once at boot. */
static void __init lcrt_read_build_id(void)
{
	const char *start = __start_notes, *stop = __stop_notes;

	if (!start || stop <= start)
		return;
	if (!build_id_parse_buf(start, lcrt_build_id, stop - start))
		lcrt_build_id_len = BUILD_ID_SIZE_MAX;
}

/* Before device initcalls, so that a crashing driver is caught. */
static int __init lcrt_init(void)
{
	int ret;

	lcrt_read_build_id();
	ret = lcrt_store_init();
	if (ret)
		return ret;
	register_die_notifier(&lcrt_die_nb);
	atomic_notifier_chain_register(&panic_notifier_list, &lcrt_panic_nb);
	pr_info("armed, record budget %zu bytes\n", lcrt_store_slot_size());
	return 0;
}
early_initcall(lcrt_init);
