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
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/uaccess.h>

#include "lcrt.h"

static bool lcrt_x86_entry_regs(unsigned long addr, unsigned long *pc,
				unsigned long *fp, unsigned long *sp)
{
	const struct pt_regs *regs = (const struct pt_regs *)addr;

	return !copy_from_kernel_nofault(pc, &regs->ip, sizeof(*pc)) &&
	       !copy_from_kernel_nofault(fp, &regs->bp, sizeof(*fp)) &&
	       !copy_from_kernel_nofault(sp, &regs->sp, sizeof(*sp));
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
 * "push %rbp", or before that push has run; past it, the word above.
 */
unsigned long lcrt_leaf_return(struct pt_regs *regs, unsigned long func)
{
	unsigned long ret = 0;
	u8 first = 0;

	if (copy_from_kernel_nofault(&first, (const void *)func, 1))
		return 0;
	if (first != 0x55 || regs->ip == func)
		copy_from_kernel_nofault(&ret, (const void *)regs->sp,
					 sizeof(ret));
	else if (regs->ip == func + 1)
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
