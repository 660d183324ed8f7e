// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: find the call chain of the crash.
 *
 * With frame pointers LCRT walks the chain itself, so that it knows each
 * frame's own part of the stack (the window it records). Every read of the
 * stack is a nofault read inside the stacks the walk may use; a loop, a
 * pointer off the stack, a misaligned pointer, a fault or the depth limit
 * ends the walk with that reason, never with a second fault. Without frame
 * pointers the kernel's own unwinder gives the pcs, and no windows.
 *
 * With the registers of the faulting context the walk starts at the
 * faulting instruction. Without them (a panic that no oops led to) it starts
 * here and drops the frames of LCRT and of panic() itself, so that the first
 * frame reported is the one that called panic().
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/panic.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/stacktrace.h>
#include <linux/uaccess.h>
#include <asm/sections.h>

#include "lcrt.h"

/* Frames above the crash site when LCRT is entered from panic(). */
#define LCRT_SKIP_MAX	16
#define WORD		sizeof(unsigned long)

static bool lcrt_read(unsigned long addr, unsigned long *val)
{
	return !copy_from_kernel_nofault(val, (const void *)addr, sizeof(*val));
}

NOKPROBE_SYMBOL(lcrt_read);

/* Exception and syscall entry code. */
bool lcrt_in_entry_text(unsigned long pc)
{
	/* UML has no entry text, nor any architecture LCRT does not know. */
	if (!IS_ENABLED(CONFIG_LCRT_ARCH_REGS))
		return false;
	return pc >= (unsigned long)__entry_text_start &&
	       pc < (unsigned long)__entry_text_end;
}

NOKPROBE_SYMBOL(lcrt_in_entry_text);

/* The stack of the walk that holds all of [lo, hi), or -1. */
static int lcrt_stack_of(const struct lcrt_walk *w, unsigned long lo,
			 unsigned long hi)
{
	unsigned int i;

	for (i = 0; i < w->nstacks && i < ARRAY_SIZE(w->stacks); i++)
		if (lo < hi && lo >= w->stacks[i].lo && hi <= w->stacks[i].hi)
			return i;
	return -1;
}

NOKPROBE_SYMBOL(lcrt_stack_of);

/*
 * May a walk on stack @prev (-1 at the start) continue on stack @s? Not off
 * every known stack, not back to a stack it left, and not off the task
 * stack (0), where every chain ends.
 */
static bool lcrt_may_enter(int s, int prev, unsigned int *left)
{
	if (s < 0 || s == prev || prev < 0)
		return s >= 0;
	if (prev == 0 || (*left & BIT(s)))
		return false;
	*left |= BIT(prev);
	return true;
}

NOKPROBE_SYMBOL(lcrt_may_enter);

/**
 * lcrt_fold() - fold a recursion's frame into the one before it
 * @t: a trace whose last frame was just walked
 *
 * A return address equal to the one before it is the same call again: a
 * recursion. The frame before counts one more repeat and keeps its window,
 * and the walk goes on into the same slot, so that a deep recursion leaves
 * room for the frames below it, down to the thread's entry.
 *
 * Context: any; no memory reads.
 * Return: true when the last frame was folded.
 */
bool lcrt_fold(struct lcrt_trace *t)
{
	struct lcrt_frame *f, *prev;

	if (t->nr < 2)
		return false;
	f = &t->frames[t->nr - 1];
	prev = f - 1;
	if (f->exact || prev->exact || f->pc != prev->pc ||
	    prev->repeat == U16_MAX)
		return false;
	prev->repeat++;
	t->nr--;
	return true;
}

NOKPROBE_SYMBOL(lcrt_fold);

/*
 * Walk the frame-pointer chain from @w with the frame record layout @l.
 * The first stack of @w is the task stack. A walk crosses any number of
 * stacks (an SDEI or overflow stack to the IRQ stack to the task stack), as
 * the kernel's unwinders do: it may move to a stack it has not left yet,
 * and the task stack is the last.
 */
void lcrt_fp_walk(struct lcrt_trace *t, const struct lcrt_walk *w,
		  const struct lcrt_fp_layout *l)
{
	unsigned long pc = w->pc, fp = w->fp, sp = w->sp, prev_fp = 0;
	bool exact = t->exact_first;
	int rec_lo = min(l->next_fp, l->ret_pc);
	int rec_hi = max(l->next_fp, l->ret_pc) + (int)WORD;
	unsigned int left = 0;	/* the stacks the walk has left */
	unsigned long entry_lr = 0;	/* the lr of the frame interrupted */
	unsigned int steps = 0;
	int prev_s = -1;

	t->nr = 0;
	t->unwinder = LCRT_UNW_FRAME_POINTER;
	t->windows = true;
	t->windows_up = l->up;
	for (;;) {
		struct lcrt_frame *f;
		unsigned long next_fp, ret, saved;
		int s;

		if (t->nr == LCRT_MAX_FRAMES || ++steps > LCRT_WALK_STEPS) {
			t->stop = LCRT_STOP_DEPTH;
			return;
		}
		f = &t->frames[t->nr++];
		f->pc = pc;
		f->exact = exact;
		f->machinery = false;
		f->repeat = 0;
		f->win_lo = 0;
		f->win_hi = 0;
		f->func = 0;
		exact = false;
		if (l->entry_regs && (fp & 1)) {
			/*
			 * An exception entry marks its frame pointer: the
			 * interrupted context's registers are at fp - 1.
			 */
			unsigned long regs = fp - 1;

			s = lcrt_stack_of(w, regs, regs + l->regs_size);
			if (!lcrt_may_enter(s, prev_s, &left)) {
				t->stop = LCRT_STOP_RANGE;
				return;
			}
			if (!l->entry_regs(regs, &pc, &fp, &sp)) {
				t->stop = LCRT_STOP_FAULT;
				return;
			}
			/* An entry from user mode: the kernel's chain ends. */
			if (!pc) {
				t->stop = LCRT_STOP_END;
				return;
			}
			exact = true;
			prev_fp = regs;
			prev_s = s;
			continue;
		}
		if (!fp) {
			t->stop = t->nr == 1 ? LCRT_STOP_ZERO : LCRT_STOP_END;
			return;
		}
		if (fp & (WORD - 1)) {
			t->stop = LCRT_STOP_ALIGN;
			return;
		}
		s = lcrt_stack_of(w, fp + rec_lo, fp + rec_hi);
		if (!lcrt_may_enter(s, prev_s, &left)) {
			t->stop = LCRT_STOP_RANGE;
			return;
		}
		if (s == prev_s && fp <= prev_fp) {
			t->stop = LCRT_STOP_LOOP;
			return;
		}
		if (!lcrt_read(fp + l->next_fp, &next_fp) ||
		    !lcrt_read(fp + l->ret_pc, &ret)) {
			t->stop = LCRT_STOP_FAULT;
			return;
		}
		if (l->ret_fixup)
			ret = l->ret_fixup(ret);

		/* The frame's own words, inside its stack. */
		if (l->up) {
			f->win_lo = fp;
			f->win_hi = next_fp > fp && next_fp <= w->stacks[s].hi ?
				    next_fp : fp + l->top;
		} else {
			f->win_hi = fp + l->top;
			f->win_lo = sp >= w->stacks[s].lo && sp < f->win_hi ?
				    sp : fp + rec_lo;
		}
		if (l->saved_pc != INT_MIN && lcrt_read(fp + l->saved_pc, &saved))
			f->func = saved - l->pc_adjust;

		/*
		 * An interrupted function that had not saved its frame record
		 * yet: its record is its caller's, whose pc is only in lr.
		 */
		if (entry_lr && ret != entry_lr && t->nr < LCRT_MAX_FRAMES &&
		    lcrt_proven_caller(entry_lr, f->pc)) {
			struct lcrt_frame *c = &t->frames[t->nr++];

			memset(c, 0, sizeof(*c));
			c->pc = entry_lr;
			c->win_lo = f->win_lo;
			c->win_hi = f->win_hi;
			f->win_lo = 0;
			f->win_hi = 0;
		}
		entry_lr = 0;
		lcrt_fold(t);
		if (!ret) {
			t->stop = LCRT_STOP_END;
			return;
		}
		if (!kernel_text_address(ret)) {
			/* Back in user space, or in entry code without frames. */
			t->stop = LCRT_STOP_END;
			return;
		}
		/* Past an exception entry: where the CPU was interrupted. */
		exact = l->entry_pc && lcrt_in_entry_text(f->pc);
		if (exact && l->entry_lr) {
			if (!lcrt_read(fp + l->entry_lr, &entry_lr))
				entry_lr = 0;
			else if (l->ret_fixup)
				entry_lr = l->ret_fixup(entry_lr);
		}
		pc = ret;
		sp = l->up ? fp + l->top : f->win_hi;
		prev_fp = fp;
		prev_s = s;
		fp = next_fp;
	}
}

NOKPROBE_SYMBOL(lcrt_fp_walk);

/* The functions panic() runs in, above the caller of panic(). */
static const char * const lcrt_panic_names[] = {
	"panic", "vpanic", "nmi_panic",
};

static bool lcrt_in_panic(unsigned long pc)
{
	static char name[KSYM_NAME_LEN];
	unsigned long size, off;
	unsigned int i;
	size_t n;

	/* The call, not the return address: panic() may end with it. */
	if (!kallsyms_lookup(pc - 1, &size, &off, NULL, name))
		return false;
	n = strcspn(name, ".");
	for (i = 0; i < ARRAY_SIZE(lcrt_panic_names); i++)
		if (n == strlen(lcrt_panic_names[i]) &&
		    !strncmp(name, lcrt_panic_names[i], n))
			return true;
	return false;
}

NOKPROBE_SYMBOL(lcrt_in_panic);

/*
 * Drop the frames of LCRT, of the panic notifier chain and of panic()
 * itself (panic, vpanic: 6.12 routes panic() through vpanic()) above the
 * caller of panic(): they tell nothing of the crash.
 */
static void lcrt_skip_panic(struct lcrt_trace *t)
{
	unsigned int i, first = 0;

	for (i = 0; i < t->nr && i < LCRT_SKIP_MAX; i++) {
		if (lcrt_in_panic(t->frames[i].pc))
			first = i + 1;
		else if (first)
			break;
	}
	if (!first)
		return;
	t->nr -= first;
	memmove(t->frames, t->frames + first, t->nr * sizeof(t->frames[0]));
}

NOKPROBE_SYMBOL(lcrt_skip_panic);

/**
 * lcrt_proven_caller() - is a return address the caller of a pc's function
 * @ret: a return address, from a link register or the top of a stack
 * @pc: where the CPU was, in the function that may return to @ret
 *
 * Context: any, including panic.
 * Return: true when the instruction before @ret calls @pc's function, or
 * when that function never writes its link register (lcrt_arch_lr_kept()),
 * @ret being its link register.
 */
bool lcrt_proven_caller(unsigned long ret, unsigned long pc)
{
	unsigned long size, off;

	if (!ret || !kernel_text_address(ret) ||
	    !kallsyms_lookup_size_offset(pc, &size, &off))
		return false;
	/*
	 * A call from the function into itself proves nothing: lr may be
	 * left from a recursive call that has returned.
	 */
	if (ret - 1 >= pc - off && ret - 1 < pc - off + size)
		return false;
	/* A direct call of the function, or one that never writes its lr. */
	return lcrt_arch_calls(ret, pc - off) ||
	       lcrt_arch_lr_kept(pc - off, size);
}

NOKPROBE_SYMBOL(lcrt_proven_caller);

static void lcrt_kernel_unwind(struct lcrt_trace *t, struct pt_regs *regs)
{
	static unsigned long entries[LCRT_MAX_FRAMES];
	unsigned int n, i;

	if (regs)
		n = stack_trace_save_regs(regs, entries, LCRT_MAX_FRAMES, 0);
	else
		n = stack_trace_save(entries, LCRT_MAX_FRAMES, 0);
	t->unwinder = LCRT_UNW_KERNEL;
	t->windows = false;
	t->windows_up = false;
	t->stop = n == LCRT_MAX_FRAMES ? LCRT_STOP_DEPTH : LCRT_STOP_END;
	t->nr = n;
	for (i = 0; i < n; i++) {
		t->frames[i].pc = entries[i];
		/*
		 * Past an exception entry a kernel unwinder that crosses it
		 * reports the interrupted pc from the entry's pt_regs: where
		 * the CPU was, not a return address.
		 */
		t->frames[i].exact = i ? lcrt_in_entry_text(entries[i - 1]) :
					 t->exact_first;
		t->frames[i].win_lo = 0;
		t->frames[i].win_hi = 0;
		t->frames[i].func = 0;
		t->frames[i].machinery = false;
		t->frames[i].repeat = 0;
	}
}

NOKPROBE_SYMBOL(lcrt_kernel_unwind);

/*
 * The stacks a walk from @sp may use: the task's, and those the architecture
 * knows, else a THREAD_SIZE stack around @sp.
 */
static void lcrt_walk_stacks(struct lcrt_walk *w, unsigned long sp)
{
	unsigned long task = (unsigned long)task_stack_page(current);

	w->stacks[0].lo = task;
	w->stacks[0].hi = task + THREAD_SIZE;
	w->nstacks = 1;
	if (lcrt_arch_stacks(w))
		return;
	if (sp < w->stacks[0].lo || sp >= w->stacks[0].hi) {
		w->stacks[1].lo = ALIGN_DOWN(sp, THREAD_SIZE);
		w->stacks[1].hi = w->stacks[1].lo + THREAD_SIZE;
		w->nstacks = 2;
	}
}

NOKPROBE_SYMBOL(lcrt_walk_stacks);

/*
 * A leaf function that keeps no frame record (arm64 and x86_64 omit them),
 * or one that faulted before its prologue saved it, leaves its caller only
 * in the link register or on top of the stack: put that caller in as frame
 * 1 when the instruction before it calls the faulting function (never a
 * guess that could add a false frame), unless the chain has it already.
 * The frame record the walk found first is then the caller's, and so is
 * its window; the leaf has no stack of its own (an empty window at the sp
 * of the fault).
 */
static void lcrt_leaf_caller(struct lcrt_trace *t, struct pt_regs *regs)
{
	unsigned long size, off, ret;

	if (!t->nr)
		return;
	if (!kernel_text_address(t->frames[0].pc)) {
		/* A call into no code: its caller, when the call proves it. */
		ret = lcrt_arch_called_data(regs);
		if (!ret || (t->nr > 1 && t->frames[1].pc == ret))
			return;
	} else {
		if (!kallsyms_lookup_size_offset(t->frames[0].pc, &size, &off))
			return;
		ret = lcrt_leaf_return(regs, t->frames[0].pc - off);
		if (t->nr > 1 && t->frames[1].pc == ret)
			return;
		if (!lcrt_proven_caller(ret, t->frames[0].pc))
			return;
	}
	if (t->nr == LCRT_MAX_FRAMES)
		t->nr--;
	memmove(&t->frames[2], &t->frames[1],
		(t->nr - 1) * sizeof(t->frames[0]));
	memset(&t->frames[1], 0, sizeof(t->frames[1]));
	t->frames[1].pc = ret;
	t->frames[1].win_lo = t->frames[0].win_lo;
	t->frames[1].win_hi = t->frames[0].win_hi;
	t->frames[0].win_lo = lcrt_regs_sp(regs);
	t->frames[0].win_hi = t->frames[0].win_lo;
	t->nr++;
}

NOKPROBE_SYMBOL(lcrt_leaf_caller);

noinline void lcrt_unwind(struct lcrt_trace *t, struct pt_regs *regs)
{
	const struct lcrt_fp_layout *l = lcrt_arch_fp();
	struct lcrt_walk w = { };

	t->exact_first = regs;
	t->culprit = -1;
	t->rule = 0;
	t->rule_hint = 0;
	if (!l || (regs && !lcrt_regs_sp(regs))) {
		if (!lcrt_arch_unwind(t, regs))
			lcrt_kernel_unwind(t, regs);
	} else if (regs) {
		w.pc = instruction_pointer(regs);
		w.sp = lcrt_regs_sp(regs);
		w.fp = lcrt_regs_fp(regs);
		lcrt_walk_stacks(&w, w.sp);
		lcrt_fp_walk(t, &w, l);
		lcrt_leaf_caller(t, regs);
	} else {
		w.pc = _THIS_IP_;
		w.fp = (unsigned long)__builtin_frame_address(0);
		w.sp = w.fp;
		lcrt_walk_stacks(&w, w.sp);
		lcrt_fp_walk(t, &w, l);
	}
	if (!regs)
		lcrt_skip_panic(t);
}

NOKPROBE_SYMBOL(lcrt_unwind);

/**
 * lcrt_unwind_stopped() - a few frames of a CPU that the panic stopped
 * @t: the trace to fill
 * @regs: a copy of where that CPU was (its stop IPI's registers)
 * @tsk: the task it ran, when known: its stack is then walked with the
 *       architecture's unwinder
 *
 * Else, with frame records, a walk inside the stack-sized block that holds
 * its stack pointer (stacks are THREAD_SIZE aligned); without, its pc and
 * the caller that its link register proves.
 *
 * Context: panic, after smp_send_stop(); nofault reads only.
 */
void lcrt_unwind_stopped(struct lcrt_trace *t, struct pt_regs *regs,
			 struct task_struct *tsk)
{
	const struct lcrt_fp_layout *l = lcrt_arch_fp();
	unsigned long sp = lcrt_regs_sp(regs);
	struct lcrt_walk w = { };

	t->exact_first = true;
	t->culprit = -1;
	t->rule = 0;
	t->rule_hint = 0;
	if (tsk && lcrt_arch_unwind_task(t, tsk, regs))
		return;
	if (l && sp) {
		w.pc = instruction_pointer(regs);
		w.fp = lcrt_regs_fp(regs);
		w.sp = sp;
		w.stacks[0].lo = ALIGN_DOWN(sp, THREAD_SIZE);
		w.stacks[0].hi = w.stacks[0].lo + THREAD_SIZE;
		w.nstacks = 1;
		lcrt_fp_walk(t, &w, l);
	} else {
		memset(&t->frames[0], 0, sizeof(t->frames[0]));
		t->frames[0].pc = instruction_pointer(regs);
		t->frames[0].exact = true;
		t->nr = 1;
		t->unwinder = LCRT_UNW_KERNEL;
		t->windows = false;
		t->stop = LCRT_STOP_END;
	}
	lcrt_leaf_caller(t, regs);
}

NOKPROBE_SYMBOL(lcrt_unwind_stopped);

#ifdef CONFIG_MODULES
/*
 * Where a module's core text was loaded (its .text first, then the rest of
 * its core code; not its init text): struct module_memory since 6.4, its
 * core layout before (LCRT_MODULE_MEM: asked of the kernel's header).
 */
static unsigned long lcrt_module_text(const struct module *mod)
{
#ifdef LCRT_MODULE_MEM
	return (unsigned long)mod->mem[MOD_TEXT].base;
#else
	return (unsigned long)mod->core_layout.base;
#endif
}

NOKPROBE_SYMBOL(lcrt_module_text);

/*
 * The module of a frame's function. The capture runs with interrupts off
 * (die() and panic() turn them off), so the module cannot be freed before
 * the record is written: its name and build-id are used in place.
 */
static void lcrt_frame_module(struct lcrt_frame *f, unsigned long call)
{
	struct module *mod;

	preempt_disable_notrace();
	mod = __module_address(call);
	if (mod) {
		f->module = mod->name;
		f->build_id = module_buildid(mod);
		f->mod_text = lcrt_module_text(mod);
	}
	preempt_enable_notrace();
}

NOKPROBE_SYMBOL(lcrt_frame_module);
#else
static inline void lcrt_frame_module(struct lcrt_frame *f, unsigned long call)
{
}
#endif

/*
 * Name every frame: kallsyms (with " [module]" for a module's function, as
 * %ps does), else the name GCC's -mpoke-function-name put before the
 * function. A return address may lie past the end of its caller
 * when the call was the last instruction (a call to a noreturn function), so
 * look up the call itself, as the kernel's %pB does; entry code, though,
 * "returns" to the very start of the routine it set the link register to.
 */
void lcrt_symbolize(struct lcrt_trace *t)
{
	static char name[KSYM_NAME_LEN];
	unsigned int i;

	t->poked = false;
	for (i = 0; i < t->nr; i++) {
		struct lcrt_frame *f = &t->frames[i];
		unsigned long call = f->pc;
		const char *sym = NULL;
		char *modname = NULL;

		/* Thumb-2 return addresses have bit 0 set. */
		if (!f->exact && f->pc &&
		    !lcrt_in_entry_text(f->pc))
			call = f->pc -
			       (IS_ENABLED(CONFIG_THUMB2_KERNEL) ? 2 : 1);
		f->off = 0;
		f->size = 0;
		f->name[0] = '\0';
		f->module = NULL;
		f->build_id = NULL;
		f->mod_text = 0;
		if (IS_ENABLED(CONFIG_KALLSYMS))
			sym = kallsyms_lookup(call, &f->size, &f->off, &modname,
					      name);
		if (sym) {
			f->off += f->pc - call;
			/* As %ps names it: "func" or "func [module]". */
			if (modname) {
				snprintf(f->name, sizeof(f->name), "%s [%s]",
					 sym, modname);
				lcrt_frame_module(f, call);
			} else {
				strscpy(f->name, sym, sizeof(f->name));
			}
		} else if (f->func && f->func <= f->pc &&
			   lcrt_poke_name(f->func, f->name, sizeof(f->name))) {
			f->off = f->pc - f->func;
			t->poked = true;
		}
	}
}

NOKPROBE_SYMBOL(lcrt_symbolize);

/*
 * The name GCC's -mpoke-function-name placed before the function at @func:
 * the name, NUL-padded to a word, then the word 0xff000000 + its length.
 * Returns the length of the NUL-terminated name in @buf, 0 when none.
 */
size_t lcrt_poke_name(unsigned long func, char *buf, size_t size)
{
	u32 marker;
	size_t len;

	if (!func || (func & 3) ||
	    copy_from_kernel_nofault(&marker, (const void *)(func - 4), 4))
		return 0;
	if ((marker & 0xffffff00) != 0xff000000)
		return 0;
	len = marker & 0xff;
	if (!len || len >= size ||
	    copy_from_kernel_nofault(buf, (const void *)(func - 4 - len), len))
		return 0;
	buf[len] = '\0';
	return strlen(buf);
}

NOKPROBE_SYMBOL(lcrt_poke_name);
