// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: what LCRT knows of x86_64's registers
 * and frame records.
 *
 * With CONFIG_FRAME_POINTER, rbp points at {caller rbp, return address} and
 * the frame grows down below it; the entry code marks an exception entry by
 * setting rbp to its pt_regs + 1 (ENCODE_FRAME_POINTER). Without frame
 * pointers the chain comes from ORC (unwind-x86.c).
 */
#include <linux/cacheflush.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/processor.h>
#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <asm/ibt.h>
#include <asm/idtentry.h>
#include <asm/setup.h>

#include "lcrt.h"

static bool lcrt_x86_entry_regs(unsigned long addr, unsigned long *pc,
				unsigned long *fp, unsigned long *sp)
{
	const struct pt_regs *regs = (const struct pt_regs *)addr;
	unsigned long cs;

	if (copy_from_kernel_nofault(&cs, &regs->cs, sizeof(cs)) ||
	    copy_from_kernel_nofault(pc, &regs->ip, sizeof(*pc)) ||
	    copy_from_kernel_nofault(fp, &regs->bp, sizeof(*fp)) ||
	    copy_from_kernel_nofault(sp, &regs->sp, sizeof(*sp)))
		return false;
	/* An entry from user mode: no kernel frame below it. */
	if ((cs & 3) == 3)
		*pc = 0;
	return true;
}

NOKPROBE_SYMBOL(lcrt_x86_entry_regs);

static const struct lcrt_fp_layout lcrt_x86_frame = {
	.next_fp = 0, .ret_pc = 8, .top = 16, .saved_pc = INT_MIN,
	.entry_regs = lcrt_x86_entry_regs,
	.regs_size = sizeof(struct pt_regs),
};

const struct lcrt_fp_layout *lcrt_arch_fp(void)
{
	return IS_ENABLED(CONFIG_FRAME_POINTER) ? &lcrt_x86_frame : NULL;
}

NOKPROBE_SYMBOL(lcrt_arch_fp);

u8 lcrt_arch_id(void)
{
	return LCRT_ARCH_X86_64;
}

NOKPROBE_SYMBOL(lcrt_arch_id);

unsigned long lcrt_arch_kaslr_offset(void)
{
	return kaslr_offset();
}

NOKPROBE_SYMBOL(lcrt_arch_kaslr_offset);

/* ORC's get_stack_info() knows the stacks (unwind-x86.c). */
bool lcrt_arch_stacks(struct lcrt_walk *w)
{
	return false;
}

NOKPROBE_SYMBOL(lcrt_arch_stacks);

const unsigned long *lcrt_arch_regs(struct pt_regs *regs, unsigned int *n)
{
	*n = LCRT_REGS_X86_64;
	return (const unsigned long *)regs;
}

NOKPROBE_SYMBOL(lcrt_arch_regs);

unsigned long lcrt_regs_sp(struct pt_regs *regs)
{
	return kernel_stack_pointer(regs);
}

NOKPROBE_SYMBOL(lcrt_regs_sp);

unsigned long lcrt_regs_fp(struct pt_regs *regs)
{
	return regs->bp;
}

NOKPROBE_SYMBOL(lcrt_regs_fp);

/*
 * The top of the stack in a function that does not start with
 * "push %rbp" (after an ENDBR64 with IBT, or the 4-byte poison, OSP NOP3,
 * that sealing writes over it), or before that push has run; right after
 * it, the word above. A wrong word is no harm: the caller is
 * taken only when the call before it proves it (lcrt_proven_caller()).
 */
unsigned long lcrt_leaf_return(struct pt_regs *regs, unsigned long func)
{
	unsigned long ret = 0, push = func;
	u32 first;
	u8 op;

	if (copy_from_kernel_nofault(&first, (const void *)func, sizeof(first)))
		return 0;
	/* ENDBR64, or the poison that sealing writes over an unused one. */
	if (is_endbr(first))
		push += 4;
	if (copy_from_kernel_nofault(&op, (const void *)push, 1))
		return 0;
	if (op != 0x55 || regs->ip <= push)
		copy_from_kernel_nofault(&ret, (const void *)regs->sp,
					 sizeof(ret));
	else if (regs->ip == push + 1)
		copy_from_kernel_nofault(&ret, (const void *)(regs->sp + 8),
					 sizeof(ret));
	return ret;
}

NOKPROBE_SYMBOL(lcrt_leaf_return);

/*
 * The five bytes before @ret are "CALL rel32" to @func (or, with call
 * depth tracking, to the padding before it, which falls into it).
 */
bool lcrt_arch_calls(unsigned long ret, unsigned long func)
{
	unsigned long target;
	u8 op;
	s32 rel;	/* x86 is little-endian: the operand as it lies */

	if (copy_from_kernel_nofault(&op, (void *)(ret - 5), 1) || op != 0xe8 ||
	    copy_from_kernel_nofault(&rel, (void *)(ret - 4), 4))
		return false;
	target = ret + (long)rel;
#ifdef CONFIG_CALL_THUNKS
	/* Call depth tracking calls into the padding that runs into func. */
	if (target < func && func - target <= CONFIG_FUNCTION_PADDING_BYTES)
		return true;
#endif
	return target == func;
}

NOKPROBE_SYMBOL(lcrt_arch_calls);

#ifdef CONFIG_LCRT_STOP_FIND
/* 6.2 moved the hot per-CPU variables into pcpu_hot (see Makefile). */
#ifdef LCRT_X86_PCPU_HOT
#define lcrt_x86_hot(var, cpu)	per_cpu(pcpu_hot.var, cpu)
#else
#define lcrt_x86_hot(var, cpu)	per_cpu(var, cpu)
#endif

/* Words of sysvec_reboot()'s own frame searched for its return address. */
#define LCRT_X86_SYSVEC_WORDS	32

/*
 * panic() stops the other CPUs with the reboot vector: sysvec_reboot()
 * switches to the CPU's hardirq stack (call_on_irqstack()), which leaves
 * the interrupted stack pointer at the stack's top and the return address
 * into sysvec_reboot() just below it, and stop_this_cpu() halts there for
 * good. So, each step proven, or nothing:
 *
 * - the hardirq stack is in use, and the word below its top returns into
 *   sysvec_reboot();
 * - the saved stack pointer is on the stack of the CPU's task;
 * - a few words above it, a return address whose call is the entry's call
 *   of sysvec_reboot() (CALL rel32, lcrt_arch_calls()): the entry's
 *   pt_regs lie right above it;
 * - those registers are of kernel mode and their sp is where the hardware
 *   frame ends (the CPU aligns it to 16 bytes before pushing).
 *
 * A CPU stopped by the NMI that follows (interrupts were off), one that was
 * in an interrupt already, one under FRED entry, and any without kallsyms
 * fail a step. Every read of the other CPU's memory is nofault, and so is
 * one word of each page of its task's stack, which ORC then walks.
 */
bool lcrt_arch_stopped(unsigned int cpu, struct pt_regs *regs,
		       struct task_struct **tsk)
{
	unsigned long func = (unsigned long)sysvec_reboot;
	unsigned long tos, sp, ret, size, lo, hi, slot, end, word;
	struct task_struct *task;

	if (!lcrt_x86_hot(hardirq_stack_inuse, cpu) ||
	    !kallsyms_lookup_size_offset(func, &size, NULL))
		return false;
	tos = (unsigned long)lcrt_x86_hot(hardirq_stack_ptr, cpu);
	task = lcrt_x86_hot(current_task, cpu);
	if (!tos || !task ||
	    copy_from_kernel_nofault(&sp, (void *)tos, sizeof(sp)) ||
	    copy_from_kernel_nofault(&ret, (void *)(tos - sizeof(ret)),
				     sizeof(ret)) ||
	    ret <= func || ret > func + size ||
	    get_kernel_nofault(lo, (unsigned long *)&task->stack))
		return false;
	hi = lo + THREAD_SIZE;
	if (!IS_ALIGNED(lo, THREAD_SIZE) || sp < lo ||
	    sp >= hi - sizeof(*regs))
		return false;
	/* ORC reads the task's stack with plain loads: it must all be there. */
	for (slot = lo; slot < hi; slot += PAGE_SIZE)
		if (copy_from_kernel_nofault(&word, (void *)slot, sizeof(word)))
			return false;
	end = min(hi - sizeof(*regs), sp + LCRT_X86_SYSVEC_WORDS * sizeof(long));
	for (slot = sp; slot < end; slot += sizeof(long)) {
		unsigned long top = slot + sizeof(long) + sizeof(*regs);

		if (copy_from_kernel_nofault(&word, (void *)slot, sizeof(word)))
			return false;
		if (!lcrt_arch_calls(word, func))
			continue;
		if (copy_from_kernel_nofault(regs, (void *)(slot + sizeof(long)),
					     sizeof(*regs)) ||
		    user_mode(regs) || regs->sp < top || regs->sp > top + 8)
			return false;
		*tsk = task;
		return true;
	}
	return false;
}

NOKPROBE_SYMBOL(lcrt_arch_stopped);
#endif

/*
 * A write-back mapping: CLFLUSH every line written (clflush_cache_range()
 * fences before and after). A write-combined mapping needs only wmb(), an
 * SFENCE, which drains the write-combining buffers.
 */
void lcrt_arch_clean(void *addr, phys_addr_t phys, size_t len)
{
	clflush_cache_range(addr, len);
}

NOKPROBE_SYMBOL(lcrt_arch_clean);
