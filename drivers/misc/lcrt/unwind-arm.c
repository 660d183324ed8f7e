// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the call chain from ARM unwind tables.
 *
 * The kernel's unwind_frame() knows each frame's stack pointer, so each
 * frame gets its own stack window, from its sp up to its caller's, or up to
 * the end of its stack for a frame whose caller is on another stack and for
 * the outermost frame (whose part holds the entry's pt_regs). Three
 * things differ from the kernel's walk_stackframe():
 *
 * - a return address is looked up at the call (pc - 2, inside the call
 *   instruction in ARM and Thumb-2 code alike), because after a call to a
 *   noreturn function (panic(), __stack_chk_fail()) it is the first
 *   instruction of the next function, whose unwind entry would end the walk;
 * - the pc found past an exception entry (__irq_svc, __dabt_svc, __und_svc
 *   restore it from their pt_regs) is exact, and so is a faulting pc that is
 *   not code at all (a call through a bad pointer), whose caller is then
 *   taken from the link register, as the kernel's unwind_backtrace() does;
 * - unwind_frame() reads the stack with plain loads, so no frame is unwound
 *   unless its sp lies on a stack this CPU knows: the task's or its IRQ
 *   stack. A fault whose sp is off them (a stack overflow, VMAP_STACK)
 *   gets its caller from lr only when the call before lr proves it
 *   (lcrt_proven_caller()).
 *
 * unwind_frame() takes the kernel's unwind_lock to look up a module's
 * address, as the kernel's own oops backtrace does: a CPU that died inside
 * that short section leaves the walk of a module frame waiting for it. So
 * does the walk of a blocked task at a hung-task panic.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <asm/stacktrace.h>

#include "lcrt.h"

/* Defined by arch/arm/kernel/irq.c, declared in no header. */
DECLARE_PER_CPU(u8 *, irq_stack_ptr);

/*
 * The stack that holds @sp, or false: the task's or the IRQ one, both
 * THREAD_SIZE and aligned to it, so that unwind_frame(), which bounds its
 * reads by that alignment, stays inside. @sp may be a stack's top:
 * call_with_stack() switches to an empty one. The overflow stack (one page,
 * where a task that ran off its stack is handled) is not walked.
 */
static bool lcrt_arm_stack(struct task_struct *tsk, unsigned long sp,
			   unsigned long *lo, unsigned long *hi)
{
	unsigned long top;

	*lo = (unsigned long)task_stack_page(tsk);
	*hi = *lo + THREAD_SIZE;
	if (sp >= *lo && sp <= *hi)
		return true;
	if (IS_ENABLED(CONFIG_IRQSTACKS) && tsk == current) {
		top = (unsigned long)raw_cpu_read(irq_stack_ptr);
		*lo = top - THREAD_SIZE;
		*hi = top;
		if (top && sp >= *lo && sp <= *hi)
			return true;
	}
	return false;
}

NOKPROBE_SYMBOL(lcrt_arm_stack);

/* call_with_stack() unwinds through its frame pointer, on the task stack. */
static bool lcrt_arm_fp_ok(struct task_struct *tsk, unsigned long pc,
			   unsigned long fp)
{
	unsigned long task = (unsigned long)task_stack_page(tsk);

	if (!IS_ENABLED(CONFIG_IRQSTACKS) ||
	    pc < (unsigned long)call_with_stack ||
	    pc >= (unsigned long)call_with_stack_end)
		return true;
	return fp >= task && fp < task + THREAD_SIZE;
}

NOKPROBE_SYMBOL(lcrt_arm_fp_ok);

/*
 * Walk from @frame on @tsk's stacks; @regs, the faulting registers when
 * the walk starts at a fault, or NULL.
 */
static void lcrt_arm_walk(struct lcrt_trace *t, struct stackframe *frame,
			  struct task_struct *tsk, struct pt_regs *regs,
			  bool exact)
{
	unsigned long lo, hi;
	unsigned int steps = 0;

	t->nr = 0;
	t->unwinder = LCRT_UNW_ARM_TABLES;
	t->windows = true;
	t->windows_up = false;
	t->stop = LCRT_STOP_DEPTH;
	while (t->nr < LCRT_MAX_FRAMES && ++steps <= LCRT_WALK_STEPS) {
		struct lcrt_frame *f = &t->frames[t->nr++];
		unsigned long pc = frame->pc, sp = frame->sp;

		memset(f, 0, sizeof(*f));
		f->pc = pc;
		f->exact = exact;
		if (t->nr == 1 && !kernel_text_address(pc)) {
			/* A call to no code: the caller is in the lr. */
			if (!kernel_text_address(frame->lr)) {
				t->stop = LCRT_STOP_ZERO;
				break;
			}
			frame->pc = frame->lr;
			exact = false;
			continue;
		}
		if (!lcrt_arm_stack(tsk, sp, &lo, &hi) ||
		    !lcrt_arm_fp_ok(tsk, pc, frame->fp)) {
			t->stop = LCRT_STOP_RANGE;
			/*
			 * A stack overflow: the faulting function's sp is in
			 * the guard page below the task stack, where no
			 * unwind entry can be read. Its caller, proven by the
			 * call before lr, is the function that ran off it.
			 */
			if (regs && t->nr == 1 &&
			    lcrt_proven_caller(regs->ARM_lr, pc)) {
				f = &t->frames[t->nr++];
				memset(f, 0, sizeof(*f));
				f->pc = regs->ARM_lr;
			}
			break;
		}
		/* Entry code "returns" to the start of ret_fast_syscall & co. */
		if (!exact && !lcrt_in_entry_text(pc))
			frame->pc = pc - 2;
		/*
		 * The frame's own words: up to its caller's sp, or to the end
		 * of its stack when the caller is on another one or there is
		 * none (the outermost frame, whose part holds the pt_regs).
		 */
		f->win_lo = sp;
		f->win_hi = hi;
		if (unwind_frame(frame) < 0) {
			t->stop = LCRT_STOP_END;
			break;
		}
		if (frame->sp >= lo && frame->sp <= hi) {
			if (frame->sp < sp || (frame->sp == sp && frame->pc == pc)) {
				t->stop = LCRT_STOP_LOOP;
				f->win_hi = 0;
				break;
			}
			f->win_hi = frame->sp;
		}
		lcrt_fold(t);
		exact = lcrt_in_entry_text(pc);
		if (!frame->pc || !kernel_text_address(frame->pc)) {
			t->stop = LCRT_STOP_END;
			break;
		}
	}
}

NOKPROBE_SYMBOL(lcrt_arm_walk);

/**
 * lcrt_arch_unwind() - the call chain from ARM unwind tables
 * @t: the trace to fill, with a window per frame
 * @regs: the registers of the faulting context, or NULL to start here
 *
 * Context: any, including die and panic; bounded by LCRT_MAX_FRAMES; reads
 * only stacks this CPU knows.
 * Return: true (the trace is filled).
 */
noinline bool lcrt_arch_unwind(struct lcrt_trace *t, struct pt_regs *regs)
{
	struct stackframe frame = { };

	if (regs) {
		arm_get_current_stackframe(regs, &frame);
	} else {
		frame.fp = (unsigned long)__builtin_frame_address(0);
		frame.sp = current_stack_pointer;
		frame.lr = (unsigned long)__builtin_return_address(0);
		/*
		 * A pc in this function's body, where the unwind table
		 * describes the frame set up above: GCC may place the label
		 * of _THIS_IP_ at the function's first instruction, where
		 * unwind_frame() takes the frame for not yet set up.
		 */
		asm volatile("adr %0, ." : "=r" (frame.pc));
	}
	/* The pc of the fault, or one in this function. */
	lcrt_arm_walk(t, &frame, current, regs, true);
	return true;
}

NOKPROBE_SYMBOL(lcrt_arch_unwind);

/**
 * lcrt_arch_unwind_task() - the call chain of a task that does not run
 * @t: the trace to fill, with a window per frame
 * @tsk: a blocked task, or one whose CPU the panic stopped
 * @regs: where @tsk's CPU stopped, or NULL for where @tsk switched out
 *
 * The kernel's stack_trace_save_tsk() gives nothing for another task on an
 * SMP arm kernel; at a panic every other CPU is stopped, so @tsk's stack is
 * still, and its chain starts where __switch_to() saved it, or at @regs.
 *
 * Context: panic; bounded by LCRT_MAX_FRAMES, inside @tsk's stack.
 * Return: true (the trace is filled).
 */
bool lcrt_arch_unwind_task(struct lcrt_trace *t, struct task_struct *tsk,
			   struct pt_regs *regs)
{
	struct stackframe frame = { };

	if (regs) {
		arm_get_current_stackframe(regs, &frame);
	} else {
		frame.fp = thread_saved_fp(tsk);
		frame.sp = thread_saved_sp(tsk);
		frame.pc = thread_saved_pc(tsk);
	}
	lcrt_arm_walk(t, &frame, tsk, regs, !!regs);
	return true;
}

NOKPROBE_SYMBOL(lcrt_arch_unwind_task);
