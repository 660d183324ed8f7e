// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: what LCRT knows of arm64's
 * registers, frame records and stacks.
 *
 * A frame record is {caller fp, lr} at fp, and the frame lies above its
 * record. The entry code's record in pt_regs->stackframe holds the
 * interrupted pc itself, not a return address.
 *
 * The stack bounds come from the architecture's own stack information: this
 * CPU's IRQ stack; with VMAP_STACK, its overflow stack, where a task that
 * ran off its stack into the guard page is handled; with SDEI, its normal
 * and critical event stacks. A walk may start on any of them and cross to
 * the others it has not left yet, and to the task stack last.
 */
#include <linux/cacheflush.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <asm/insn.h>
#include <asm/memory.h>
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

NOKPROBE_SYMBOL(lcrt_add_stack);

bool lcrt_arch_stacks(struct lcrt_walk *w)
{
	lcrt_add_stack(w, stackinfo_get_irq());
	lcrt_add_stack(w, stackinfo_get_overflow());
	lcrt_add_stack(w, stackinfo_get_sdei_normal());
	lcrt_add_stack(w, stackinfo_get_sdei_critical());
	return true;
}

NOKPROBE_SYMBOL(lcrt_arch_stacks);

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

NOKPROBE_SYMBOL(lcrt_arm64_strip_pac);

static const struct lcrt_fp_layout lcrt_arm64_frame = {
	.next_fp = 0, .ret_pc = 8, .top = 16, .up = true, .saved_pc = INT_MIN,
	.entry_pc = true, .ret_fixup = lcrt_arm64_strip_pac,
	.entry_lr = (int)offsetof(struct pt_regs, regs[30]) -
		    (int)offsetof(struct pt_regs, stackframe),
};

const struct lcrt_fp_layout *lcrt_arch_fp(void)
{
	return &lcrt_arm64_frame;
}

NOKPROBE_SYMBOL(lcrt_arch_fp);

u8 lcrt_arch_id(void)
{
	return LCRT_ARCH_ARM64;
}

NOKPROBE_SYMBOL(lcrt_arch_id);

unsigned long lcrt_arch_kaslr_offset(void)
{
	return kaslr_offset();
}

NOKPROBE_SYMBOL(lcrt_arch_kaslr_offset);

const unsigned long *lcrt_arch_regs(struct pt_regs *regs, unsigned int *n)
{
	*n = LCRT_REGS_ARM64;
	return (const unsigned long *)&regs->user_regs;
}

NOKPROBE_SYMBOL(lcrt_arch_regs);

unsigned long lcrt_regs_sp(struct pt_regs *regs)
{
	return kernel_stack_pointer(regs);
}

NOKPROBE_SYMBOL(lcrt_regs_sp);

unsigned long lcrt_regs_fp(struct pt_regs *regs)
{
	return regs->regs[29];
}

NOKPROBE_SYMBOL(lcrt_regs_fp);

/* A function that has not saved its frame record keeps its caller in lr. */
unsigned long lcrt_leaf_return(struct pt_regs *regs, unsigned long func)
{
	return lcrt_arm64_strip_pac(regs->regs[30]);
}

NOKPROBE_SYMBOL(lcrt_leaf_return);

/*
 * The instruction before @ret is "BL func". The fields are decoded here,
 * not by the kernel's insn helpers, which are out of line and traceable.
 */
bool lcrt_arch_calls(unsigned long ret, unsigned long func)
{
	__le32 raw;
	u32 insn;

	if (ret & 3 || copy_from_kernel_nofault(&raw, (void *)(ret - 4), 4))
		return false;
	insn = le32_to_cpu(raw);
	return aarch64_insn_is_bl(insn) &&
	       ret - 4 + sign_extend64((insn & 0x03ffffff) << 2, 27) == func;
}

NOKPROBE_SYMBOL(lcrt_arch_calls);

/*
 * A pc that is no code was reached by "BLR Xn" at lr - 4 only if Xn still
 * holds that pc (no instruction ran at it): then lr is the caller's.
 */
unsigned long lcrt_arch_called_data(struct pt_regs *regs)
{
	unsigned long ret = lcrt_arm64_strip_pac(regs->regs[30]);
	__le32 raw;
	u32 insn, rn;

	if (ret & 3 || !kernel_text_address(ret) ||
	    copy_from_kernel_nofault(&raw, (void *)(ret - 4), 4))
		return 0;
	insn = le32_to_cpu(raw);
	/* BLR's Rn is bits 9:5; 31 would be XZR, never a call. */
	rn = (insn >> 5) & 0x1f;
	if (!aarch64_insn_is_blr(insn) || rn == 31 ||
	    regs->regs[rn] != regs->pc)
		return 0;
	return ret;
}

NOKPROBE_SYMBOL(lcrt_arch_called_data);

/*
 * Does @insn write x30? A call (BL, BLR, BLRAA and friends) does, and so
 * does any instruction whose destination field [4:0] is 30, or a load of
 * a pair (LDP, LDNP, LDPSW, LDXP, LDAXP) whose second register [14:10] is.
 * A store that names x30 in [4:0] is taken as a write too: never a wrong
 * "no".
 */
static bool lcrt_a64_writes_lr(u32 insn)
{
	if (aarch64_insn_is_bl(insn) || aarch64_insn_is_blr(insn) ||
	    (insn & 0xfefff800) == 0xd63f0800 || (insn & 0x1f) == 30)
		return true;
	if (((insn & 0x3a400000) == 0x28400000 ||
	     (insn & 0x3f600000) == 0x08600000) && ((insn >> 10) & 0x1f) == 30)
		return true;
	return false;
}

NOKPROBE_SYMBOL(lcrt_a64_writes_lr);

bool lcrt_arch_lr_kept(unsigned long func, unsigned long size)
{
	unsigned long a;
	__le32 raw;

	if (!size || size > LCRT_LEAF_MAX || (func & 3))
		return false;
	for (a = func; a < func + size; a += 4) {
		if (copy_from_kernel_nofault(&raw, (void *)a, 4) ||
		    lcrt_a64_writes_lr(le32_to_cpu(raw)))
			return false;
	}
	return true;
}

NOKPROBE_SYMBOL(lcrt_arch_lr_kept);

/*
 * A write-back mapping: clean the lines to the point of coherency (DC CVAC
 * and a DSB). A write-combined mapping is Normal Non-cacheable: wmb(), a
 * DSB, completes its stores in order.
 */
void lcrt_arch_clean(void *addr, phys_addr_t phys, size_t len)
{
	dcache_clean_poc((unsigned long)addr, (unsigned long)addr + len);
}

NOKPROBE_SYMBOL(lcrt_arch_clean);
