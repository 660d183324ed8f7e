// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the call chain from ARM unwind tables.
 *
 * The kernel's unwind_frame() knows each frame's stack pointer, so each
 * frame gets its own stack window, from its sp up to its caller's. Two
 * things differ from the kernel's walk_stackframe(): a return address is
 * looked up at the call (pc - 1), because after a call to a noreturn
 * function (panic(), __stack_chk_fail()) it is the first instruction of the
 * next function, whose unwind entry would end the walk; and the pc found
 * past an exception entry (__irq_svc, __dabt_svc, __und_svc restore it from
 * their pt_regs) is exact.
 */
#include <linux/kernel.h>
#include <linux/kallsyms.h>
#include <linux/sched.h>
#include <asm/stacktrace.h>

#include "lcrt.h"

/* Both ends on one stack: stacks are THREAD_SIZE and aligned to it. */
static bool lcrt_same_stack(unsigned long lo, unsigned long hi)
{
	return lo < hi && ALIGN_DOWN(lo, THREAD_SIZE) ==
			  ALIGN_DOWN(hi - 1, THREAD_SIZE);
}

noinline bool lcrt_arch_unwind(struct lcrt_trace *t, struct pt_regs *regs)
{
	struct stackframe frame = { };
	bool exact = true;	/* the pc of the fault, or one in this function */

	if (regs) {
		arm_get_current_stackframe(regs, &frame);
	} else {
		frame.fp = (unsigned long)__builtin_frame_address(0);
		frame.sp = current_stack_pointer;
		frame.lr = (unsigned long)__builtin_return_address(0);
		frame.pc = _THIS_IP_;
	}
#ifdef CONFIG_KRETPROBES
	frame.tsk = current;
#endif
	t->nr = 0;
	t->unwinder = LCRT_UNW_ARM_TABLES;
	t->windows = true;
	t->stop = LCRT_STOP_DEPTH;
	while (t->nr < LCRT_MAX_FRAMES) {
		struct lcrt_frame *f = &t->frames[t->nr++];
		unsigned long pc = frame.pc, sp = frame.sp;

		memset(f, 0, sizeof(*f));
		f->pc = pc;
		f->exact = exact;
		if (!exact)
			frame.pc = pc - 1;
		if (unwind_frame(&frame) < 0) {
			t->stop = LCRT_STOP_END;
			break;
		}
		if (lcrt_same_stack(sp, frame.sp)) {
			f->win_lo = sp;
			f->win_hi = frame.sp;
		}
		exact = lcrt_in_entry_text(pc);
		if (!frame.pc || !kernel_text_address(frame.pc)) {
			t->stop = LCRT_STOP_END;
			break;
		}
	}
	return true;
}
