// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the stacks of an arm64 walk.
 *
 * The bounds come from the architecture's own stack information: this
 * CPU's IRQ stack and, with VMAP_STACK, its overflow stack, where a task
 * that ran off its stack into the guard page is handled. A walk may start
 * on either and continue on the task stack.
 */
#include <linux/kernel.h>
#include <linux/sched/task_stack.h>
#include <asm/pointer_auth.h>
#include <asm/stacktrace.h>

#include "lcrt.h"

static void lcrt_add_stack(struct lcrt_walk *w, struct stack_info info)
{
	if (info.low && info.high > info.low &&
	    w->nstacks < ARRAY_SIZE(w->stacks)) {
		w->stacks[w->nstacks].lo = info.low;
		w->stacks[w->nstacks].hi = info.high;
		w->nstacks++;
	}
}

bool lcrt_arch_stacks(struct lcrt_walk *w)
{
	lcrt_add_stack(w, stackinfo_get_irq());
	lcrt_add_stack(w, stackinfo_get_overflow());
	return true;
}

/**
 * lcrt_arm64_strip_pac() - a saved return address, as an address
 * @ret: the return address as a frame record or the link register holds it
 *
 * A function that signed its return address before saving it (pointer
 * authentication, ARM64_PTR_AUTH_KERNEL on a CPU that has it) left the code
 * in the upper bits, which in a kernel address are all ones. 6.1 and 6.12
 * name the kernel's own helper differently; the mask is the same.
 *
 * Return: @ret with a kernel address's upper bits restored.
 */
unsigned long lcrt_arm64_strip_pac(unsigned long ret)
{
	return ret & BIT_ULL(55) ? ret | ptrauth_kernel_pac_mask() : ret;
}
