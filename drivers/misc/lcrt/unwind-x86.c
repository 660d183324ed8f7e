// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the call chain from x86 ORC.
 *
 * The kernel's ORC unwinder knows each frame's stack pointer, so each frame
 * gets its own stack window, from its sp up to its caller's, or up to the
 * end of its stack for a frame whose caller is on another stack and for the
 * outermost frame (whose part holds the entry's pt_regs). It crosses
 * exception entries through their pt_regs, where the pc it reports is the
 * interrupted one (exact, not a return address), and it reads only the
 * stacks that get_stack_info() knows: task, IRQ, exception (IST) and entry
 * stacks.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <asm/unwind.h>

#include "lcrt.h"

/*
 * @f's window: from @sp, on the stack @info, up to its caller's sp, or to
 * the end of the stack when the caller is on another stack or there is
 * none (@caller_sp 0: the outermost frame, whose part holds the entry's
 * pt_regs). A caller below @sp on the same stack gives none.
 */
static void lcrt_x86_window(struct lcrt_frame *f, const struct stack_info *info,
			    unsigned long sp, unsigned long caller_sp)
{
	unsigned long begin = (unsigned long)info->begin;
	unsigned long end = (unsigned long)info->end;

	if (sp < begin || sp >= end)
		return;
	if (caller_sp >= begin && caller_sp <= end && caller_sp <= sp)
		return;
	f->win_lo = sp;
	f->win_hi = caller_sp > sp && caller_sp <= end ? caller_sp : end;
}

NOKPROBE_SYMBOL(lcrt_x86_window);

/*
 * ORC refuses to start on a task that runs on another CPU, whose stack
 * would move under the walk. A task with registers from lcrt_arch_stopped()
 * ran on a CPU that the panic halted for good in stop_this_cpu(): its stack
 * is still. Its walk starts as unwind_start() starts from registers, the
 * task left as it is; unwind_next_frame() reads only that task's stack
 * (get_stack_info() knows no other stack of a task that is not current),
 * which lcrt_arch_stopped() has read through, page by page, without fault.
 * ORC is set up (unwind_init()) long before smp_init() brings up a CPU
 * that could be stopped.
 *
 * A task that runs and that a kretprobe or fprobe returns through
 * (tsk->rethooks) is not walked where rethook_find_ret_addr() refuses such
 * a task with a WARN (6.1; the Makefile asks the kernel's source), which
 * panic_on_warn would turn into a second panic. Elsewhere it refuses
 * quietly, and the walk ends at the trampoline.
 */
static bool lcrt_orc_rethooks(struct task_struct *tsk)
{
#if defined(CONFIG_RETHOOK) && defined(LCRT_RETHOOK_WARNS)
	struct llist_node *first;

	if (READ_ONCE(tsk->__state) != TASK_RUNNING)
		return false;
	return get_kernel_nofault(first, &tsk->rethooks.first) || first;
#else
	return false;
#endif
}

NOKPROBE_SYMBOL(lcrt_orc_rethooks);

static void lcrt_orc_start(struct unwind_state *state, struct task_struct *tsk,
			   struct pt_regs *regs)
{
	if (tsk == current || !regs) {
		unwind_start(state, tsk, regs, NULL);
		return;
	}
	memset(state, 0, sizeof(*state));
	state->task = tsk;
	state->ip = regs->ip;
	state->sp = regs->sp;
	state->bp = regs->bp;
	state->regs = regs;
	state->full_regs = true;
	state->signal = true;
	if (user_mode(regs) || lcrt_orc_rethooks(tsk) ||
	    get_stack_info((unsigned long *)state->sp, tsk, &state->stack_info,
			   &state->stack_mask)) {
		state->stack_info.type = STACK_TYPE_UNKNOWN;
		return;
	}
	/* As from registers: the first frame is theirs, the walk's is next. */
	unwind_next_frame(state);
}

NOKPROBE_SYMBOL(lcrt_orc_start);

/*
 * @tsk's chain from @regs, whose ip is the first frame (exact), or from
 * where @tsk is: here for current, where it switched out for another task.
 */
static void lcrt_orc_walk(struct lcrt_trace *t, struct task_struct *tsk,
			  struct pt_regs *regs)
{
	struct unwind_state state;
	struct stack_info info;
	struct pt_regs entry;
	unsigned long sp;
	unsigned int steps = 0;
	bool error = false;

	t->nr = 0;
	t->unwinder = LCRT_UNW_ORC;
	t->windows = true;
	t->windows_up = false;
	t->stop = LCRT_STOP_DEPTH;
	/*
	 * From registers, the unwinder starts at the caller of the faulting
	 * frame: the faulting pc and sp come from @regs. A call to no code
	 * left its return address on top of the stack, which ORC takes as
	 * such for a zero ip only.
	 */
	if (regs && !__kernel_text_address(regs->ip)) {
		entry = *regs;
		entry.ip = 0;
		lcrt_orc_start(&state, tsk, &entry);
	} else {
		lcrt_orc_start(&state, tsk, regs);
	}
	if (regs) {
		struct lcrt_frame *f = &t->frames[t->nr++];

		memset(f, 0, sizeof(*f));
		f->pc = regs->ip;
		f->exact = true;
		if (!get_stack_info((unsigned long *)regs->sp, tsk, &info, NULL))
			lcrt_x86_window(f, &info, regs->sp,
					unwind_done(&state) ? 0 : state.sp);
	}
	while (t->nr < LCRT_MAX_FRAMES && ++steps <= LCRT_WALK_STEPS) {
		struct lcrt_frame *f;
		unsigned long pc;
		bool exact;

		if (unwind_done(&state)) {
			t->stop = error ? LCRT_STOP_FAULT : LCRT_STOP_END;
			break;
		}
		pc = unwind_get_return_address(&state);
		if (!pc) {
			t->stop = LCRT_STOP_END;
			break;
		}
		/* Past an entry, the ip is the interrupted one. */
		exact = state.signal;
		sp = state.sp;
		info = state.stack_info;
		f = &t->frames[t->nr++];
		memset(f, 0, sizeof(*f));
		f->pc = pc;
		f->exact = exact;
		/* The error flag sticks: only the last step's ends the walk. */
		error = unwind_error(&state);
		unwind_next_frame(&state);
		error = !error && unwind_error(&state);
		if (!unwind_done(&state))
			lcrt_x86_window(f, &info, sp, state.sp);
		else if (!error)
			lcrt_x86_window(f, &info, sp, 0);
		lcrt_fold(t);
	}
}

NOKPROBE_SYMBOL(lcrt_orc_walk);

/**
 * lcrt_arch_unwind() - the call chain from x86 ORC
 * @t: the trace to fill, with a window per frame
 * @regs: the registers of the faulting context, or NULL to start here
 *
 * Context: any, including die, NMI and panic; bounded by LCRT_MAX_FRAMES.
 * Return: true (the trace is filled).
 */
noinline bool lcrt_arch_unwind(struct lcrt_trace *t, struct pt_regs *regs)
{
	lcrt_orc_walk(t, current, regs);
	return true;
}

NOKPROBE_SYMBOL(lcrt_arch_unwind);

/**
 * lcrt_arch_unwind_task() - the call chain of a task that does not run
 * @t: the trace to fill, with a window per frame
 * @tsk: a blocked task, or one whose CPU the panic stopped
 * @regs: where @tsk's CPU stopped, or NULL for where @tsk switched out
 *
 * Context: panic, the other CPUs stopped; bounded by LCRT_MAX_FRAMES.
 * Return: true (the trace is filled).
 */
bool lcrt_arch_unwind_task(struct lcrt_trace *t, struct task_struct *tsk,
			   struct pt_regs *regs)
{
	lcrt_orc_walk(t, tsk, regs);
	return true;
}

NOKPROBE_SYMBOL(lcrt_arch_unwind_task);
