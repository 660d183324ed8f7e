// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: what LCRT knows of arm's registers
 * and frame records.
 *
 * GCC's APCS frames (-mapcs-frame, with CONFIG_FRAME_POINTER): fp points at
 * the saved pc; below it lr, sp and the caller's fp; the frame grows down
 * from there. The saved pc lies 12 bytes past the function's start, which
 * names a function without kallsyms (-mpoke-function-name). Clang's arm
 * frame records are not APCS frames: with Clang, or without frame pointers,
 * the chain comes from the ARM unwind tables (unwind-arm.c).
 */
#include <linux/cacheflush.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <asm/outercache.h>

#include "lcrt.h"

static const struct lcrt_fp_layout lcrt_arm_apcs = {
	.next_fp = -12, .ret_pc = -4, .top = 4, .saved_pc = 0, .pc_adjust = 12,
};

const struct lcrt_fp_layout *lcrt_arch_fp(void)
{
	if (IS_ENABLED(CONFIG_FRAME_POINTER) && !IS_ENABLED(CONFIG_CC_IS_CLANG))
		return &lcrt_arm_apcs;
	return NULL;
}

NOKPROBE_SYMBOL(lcrt_arch_fp);

bool lcrt_arch_stacks(struct lcrt_walk *w)
{
	return false;
}

NOKPROBE_SYMBOL(lcrt_arch_stacks);

const unsigned long *lcrt_arch_regs(struct pt_regs *regs, unsigned int *n)
{
	*n = LCRT_REGS_ARM;
	return regs->uregs;
}

NOKPROBE_SYMBOL(lcrt_arch_regs);

unsigned long lcrt_regs_sp(struct pt_regs *regs)
{
	return kernel_stack_pointer(regs);
}

NOKPROBE_SYMBOL(lcrt_regs_sp);

unsigned long lcrt_regs_fp(struct pt_regs *regs)
{
	return regs->ARM_fp;
}

NOKPROBE_SYMBOL(lcrt_regs_fp);

/* The ARM unwinder takes a leaf's caller from lr itself (unwind-arm.c). */
unsigned long lcrt_leaf_return(struct pt_regs *regs, unsigned long func)
{
	return 0;
}

NOKPROBE_SYMBOL(lcrt_leaf_return);

/*
 * A write-back mapping: clean and invalidate the lines in L1 by virtual
 * address, then clean the outer cache (a PL310 on many SoCs) by physical
 * address. A write-combined mapping needs neither: wmb() drains the write
 * buffer, and outer_sync() with it.
 */
void lcrt_arch_clean(void *addr, phys_addr_t phys, size_t len)
{
	__cpuc_flush_dcache_area(addr, len);
	outer_clean_range(phys, phys + len);
}

NOKPROBE_SYMBOL(lcrt_arch_clean);
