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
#include <linux/uaccess.h>
#include <asm/opcodes.h>
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

u8 lcrt_arch_id(void)
{
	return LCRT_ARCH_ARM;
}

NOKPROBE_SYMBOL(lcrt_arch_id);

/* 32-bit arm has no KASLR. */
unsigned long lcrt_arch_kaslr_offset(void)
{
	return 0;
}

NOKPROBE_SYMBOL(lcrt_arch_kaslr_offset);

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

/* A function that has not pushed its return address keeps it in lr. */
unsigned long lcrt_leaf_return(struct pt_regs *regs, unsigned long func)
{
	return regs->ARM_lr;
}

NOKPROBE_SYMBOL(lcrt_leaf_return);

/*
 * The instruction before @ret is a BL to @func: "BL imm24" in ARM code
 * (pc + 8 + imm24 * 4), or the two halfwords of a Thumb-2 "BL" (pc + 4 +
 * the offset spread over S, J1, J2, imm10 and imm11), whose return
 * address has bit 0 set and whose target is a Thumb function.
 */
bool lcrt_arch_calls(unsigned long ret, unsigned long func)
{
	unsigned long at = (ret & ~1UL) - 4;
	u32 insn;
	u16 hw[2];
	s32 off;

	if (IS_ENABLED(CONFIG_THUMB2_KERNEL)) {
		if (copy_from_kernel_nofault(hw, (void *)at, sizeof(hw)))
			return false;
		hw[0] = __mem_to_opcode_thumb16(hw[0]);
		hw[1] = __mem_to_opcode_thumb16(hw[1]);
		if ((hw[0] & 0xf800) != 0xf000 || (hw[1] & 0xd000) != 0xd000)
			return false;
		off = ((hw[0] & 0x400) ? -1 : 0) & ~0xffffff;	/* S */
		off |= (!(hw[1] & 0x2000) ^ !!(hw[0] & 0x400)) << 23;	/* I1 */
		off |= (!(hw[1] & 0x800) ^ !!(hw[0] & 0x400)) << 22;	/* I2 */
		off |= (hw[0] & 0x3ff) << 12 | (hw[1] & 0x7ff) << 1;
		return at + 4 + off == (func & ~1UL);
	}
	if ((ret & 3) || copy_from_kernel_nofault(&insn, (void *)at, 4))
		return false;
	insn = __mem_to_opcode_arm(insn);
	/* BL with a condition other than 0b1111 (which is BLX imm). */
	if ((insn & 0x0f000000) != 0x0b000000 || (insn >> 28) == 0xf)
		return false;
	off = (s32)(insn << 8) >> 6;
	return at + 8 + off == func;
}

NOKPROBE_SYMBOL(lcrt_arch_calls);

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
