// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for LCRT: the call chain walker, real and on synthetic stacks of each architecture.
 *
 * Run them in a patched tree with:
 *   ./tools/testing/kunit/kunit.py run --kunitconfig=drivers/misc/lcrt
 */
#include <kunit/test.h>
#include <linux/bug.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/crc32.h>
#include <linux/prandom.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lcrt_kunit.h"

/* ------------------------------------------------------------------------
 * Unwinding
 */

static struct lcrt_trace *lcrt_chain_trace;

/*
 * The words of each frame's window, copied while the frames are live: once
 * the chain has returned, an interrupt may write over its dead frames.
 */
static unsigned long lcrt_chain_words[LCRT_MAX_FRAMES][LCRT_WINDOW_MAX];

static noinline void lcrt_test_leaf(void)
{
	struct lcrt_trace *t = lcrt_chain_trace;
	unsigned int i, n;

	lcrt_unwind(t, NULL);
	for (i = 0; i < t->nr; i++) {
		n = min_t(unsigned long, LCRT_WINDOW_MAX,
			  (t->frames[i].win_hi - t->frames[i].win_lo) /
			  sizeof(long));
		if (t->frames[i].win_lo < t->frames[i].win_hi)
			memcpy(lcrt_chain_words[i], (void *)t->frames[i].win_lo,
			       n * sizeof(long));
	}
	lcrt_symbolize(t);
	barrier();	/* no tail call: this frame stays */
}

static noinline void lcrt_test_middle(void)
{
	lcrt_test_leaf();
	barrier();
}

static noinline void lcrt_test_outer(void)
{
	lcrt_test_middle();
	barrier();
}

static int lcrt_find(const struct lcrt_trace *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->frames[i].name, name))
			return i;
	return -1;
}

/* The chain as walked, when a test did not find what it expected. */
static void lcrt_show_trace(struct kunit *test, const struct lcrt_trace *t)
{
	unsigned int i;

	kunit_info(test, "unwinder %u, stop %u, %u frames:\n", t->unwinder,
		   t->stop, t->nr);
	for (i = 0; i < t->nr; i++)
		kunit_info(test, "  #%u %s %lx [%lx, %lx)\n", i,
			   t->frames[i].name, t->frames[i].pc,
			   t->frames[i].win_lo, t->frames[i].win_hi);
}

/* Did @t's frame @i hold the word @val in its window (as copied)? */
static bool lcrt_window_holds(const struct lcrt_trace *t, int i,
			      unsigned long val)
{
	unsigned long n = (t->frames[i].win_hi - t->frames[i].win_lo) /
			  sizeof(long);
	unsigned int k;

	for (k = 0; k < min_t(unsigned long, n, LCRT_WINDOW_MAX); k++)
		if (lcrt_chain_words[i][k] == val)
			return true;
	return false;
}

/*
 * Frames @i, @i + 1 and @i + 2 of a chain of non-leaf functions: each window
 * ends where its caller's begins, and each holds the return address into
 * its caller, which the function saved in its own frame.
 */
static void lcrt_expect_own_frames(struct kunit *test,
				   const struct lcrt_trace *t, int i)
{
	int k;

	for (k = i; k < i + 2; k++) {
		KUNIT_EXPECT_LT(test, t->frames[k].win_lo, t->frames[k].win_hi);
		KUNIT_EXPECT_EQ(test, t->frames[k].win_hi,
				t->frames[k + 1].win_lo);
		KUNIT_EXPECT_TRUE(test, lcrt_window_holds(t, k,
							  t->frames[k + 1].pc));
	}
}

static void lcrt_test_real_chain(struct kunit *test)
{
	int leaf, middle, outer;

	if (!IS_ENABLED(CONFIG_KALLSYMS))
		kunit_skip(test, "needs CONFIG_KALLSYMS to name the frames");
	lcrt_chain_trace = kunit_kzalloc(test, sizeof(*lcrt_chain_trace),
					 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lcrt_chain_trace);
	lcrt_test_outer();
	/*
	 * UML's stack_trace_save() reports only the frames it can prove with
	 * frame pointers: without them (kunit.py's default UML config) the
	 * kernel's unwinder gives nothing to check.
	 */
	if (IS_ENABLED(CONFIG_UML) && !lcrt_have_fp() && !lcrt_chain_trace->nr)
		kunit_skip(test, "UML's unwinder needs CONFIG_FRAME_POINTER");
	leaf = lcrt_find(lcrt_chain_trace, "lcrt_test_leaf");
	middle = lcrt_find(lcrt_chain_trace, "lcrt_test_middle");
	outer = lcrt_find(lcrt_chain_trace, "lcrt_test_outer");
	if (leaf < 0 || outer != leaf + 2)
		lcrt_show_trace(test, lcrt_chain_trace);
	KUNIT_EXPECT_GE(test, leaf, 0);
	KUNIT_EXPECT_EQ(test, middle, leaf + 1);
	KUNIT_EXPECT_EQ(test, outer, middle + 1);
	KUNIT_EXPECT_GE(test, lcrt_find(lcrt_chain_trace, "lcrt_test_real_chain"),
			outer + 1);
	if (lcrt_have_fp())
		KUNIT_EXPECT_EQ(test, lcrt_chain_trace->unwinder,
				LCRT_UNW_FRAME_POINTER);
	if (IS_ENABLED(CONFIG_LCRT_ARCH_UNWIND) && !lcrt_have_fp() &&
	    leaf >= 0 && outer == leaf + 2) {
		KUNIT_EXPECT_EQ(test, lcrt_chain_trace->unwinder,
				IS_ENABLED(CONFIG_ARM_UNWIND) ?
				LCRT_UNW_ARM_TABLES : LCRT_UNW_ORC);
		lcrt_expect_own_frames(test, lcrt_chain_trace, leaf);
	}
}

/*
 * A real exception entry and two stacks: an interrupt (irq_work, raised by
 * a self-IPI where the architecture has one, else at the next tick) walks
 * from its handler on the IRQ stack, across the entry, into the task it
 * interrupted. The pc found past the entry is exact, and the interrupted
 * function, with its window on the task stack, is in the chain.
 */
static struct lcrt_trace *lcrt_irq_trace;
static int lcrt_irq_done;

static noinline void lcrt_test_irq_handler(struct irq_work *work)
{
	lcrt_unwind(lcrt_irq_trace, NULL);
	lcrt_symbolize(lcrt_irq_trace);
	WRITE_ONCE(lcrt_irq_done, 1);
	barrier();	/* no tail call: this frame stays */
}

/* Preemption off: the interrupt comes on this CPU, to this task. */
static noinline bool lcrt_test_interrupted(struct irq_work *work)
{
	unsigned long end = jiffies + 5 * HZ;
	bool done;

	preempt_disable();
	irq_work_queue(work);
	while (!READ_ONCE(lcrt_irq_done) && time_before(jiffies, end))
		cpu_relax();
	done = READ_ONCE(lcrt_irq_done);
	preempt_enable();
	return done;
}

static bool lcrt_on_task_stack(unsigned long lo, unsigned long hi)
{
	unsigned long task = (unsigned long)task_stack_page(current);

	return lo >= task && hi <= task + THREAD_SIZE;
}

static void lcrt_test_irq_chain(struct kunit *test)
{
	struct irq_work work = IRQ_WORK_INIT_HARD(lcrt_test_irq_handler);
	const struct lcrt_trace *t;
	int handler, spin, k, exact = -1;
	bool done;

	if (!IS_ENABLED(CONFIG_KALLSYMS))
		kunit_skip(test, "needs CONFIG_KALLSYMS to name the frames");
	if (!lcrt_have_fp() && !IS_ENABLED(CONFIG_LCRT_ARCH_UNWIND))
		kunit_skip(test, "no unwinder that knows each frame's stack");
	if (IS_ENABLED(CONFIG_ARM) && lcrt_have_fp())
		kunit_skip(test, "APCS frames do not lead across __irq_svc");
	lcrt_irq_trace = kunit_kzalloc(test, sizeof(*lcrt_irq_trace),
				       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lcrt_irq_trace);
	WRITE_ONCE(lcrt_irq_done, 0);
	done = lcrt_test_interrupted(&work);
	/* The work and the trace must outlive the handler, run or not. */
	irq_work_sync(&work);
	KUNIT_ASSERT_TRUE_MSG(test, done, "the irq_work did not run within 5 s");
	t = lcrt_irq_trace;
	handler = lcrt_find(t, "lcrt_test_irq_handler");
	spin = lcrt_find(t, "lcrt_test_interrupted");
	for (k = handler + 1; handler >= 0 && k <= spin; k++) {
		if (t->frames[k].exact) {
			exact = k;
			break;
		}
	}
	if (handler < 0 || spin <= handler || exact < 0)
		lcrt_show_trace(test, t);
	KUNIT_ASSERT_GE(test, handler, 0);
	KUNIT_ASSERT_GT(test, spin, handler);
	/* Past the entry: where the CPU was, not a return address. */
	KUNIT_EXPECT_GT(test, exact, handler);
	/* The handler ran on another stack than the task it interrupted. */
	KUNIT_EXPECT_TRUE(test, t->frames[handler].win_lo <
				t->frames[handler].win_hi);
	KUNIT_EXPECT_FALSE(test, lcrt_on_task_stack(t->frames[handler].win_lo,
						    t->frames[handler].win_hi));
	KUNIT_EXPECT_TRUE(test, t->frames[spin].win_lo < t->frames[spin].win_hi);
	KUNIT_EXPECT_TRUE(test, lcrt_on_task_stack(t->frames[spin].win_lo,
						   t->frames[spin].win_hi));
	KUNIT_EXPECT_GE(test, lcrt_find(t, "lcrt_test_irq_chain"), spin + 1);
}

/*
 * Synthetic stacks, for each architecture's frame record: a buffer that is
 * the only stack the walk may read, with frames where a test puts them.
 */
static const struct lcrt_fp_layout lcrt_layouts[] = {
	{ .next_fp = -12, .ret_pc = -4, .top = 4, .saved_pc = 0,
	  .pc_adjust = 12 },					/* arm */
	{ .next_fp = 0, .ret_pc = 8, .top = 16, .up = true,
	  .saved_pc = INT_MIN },				/* arm64 */
	{ .next_fp = 0, .ret_pc = 8, .top = 16, .saved_pc = INT_MIN },	/* x86_64 */
};

#define LCRT_TEST_WORDS	256

struct lcrt_synth {
	unsigned long *stack;
	struct lcrt_walk walk;
	struct lcrt_trace trace;
	const struct lcrt_fp_layout *l;
};

static unsigned long lcrt_text(unsigned int i)
{
	/* Return addresses must be kernel text: use this file's functions. */
	return (unsigned long)lcrt_test_middle + 4 + 4 * (i % 4);
}

static struct lcrt_synth *lcrt_synth(struct kunit *test, unsigned int layout)
{
	struct lcrt_synth *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->stack = kunit_kzalloc(test, LCRT_TEST_WORDS * sizeof(long),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->stack);
	s->l = &lcrt_layouts[layout];
	s->walk.stacks[0].lo = (unsigned long)s->stack;
	s->walk.stacks[0].hi = (unsigned long)(s->stack + LCRT_TEST_WORDS);
	s->walk.nstacks = 1;
	s->walk.pc = lcrt_text(0);
	return s;
}

static unsigned long lcrt_slot(struct lcrt_synth *s, unsigned int word)
{
	return (unsigned long)&s->stack[word];
}

/* A frame record at word @word of the stack, linking to @next with @ret. */
static void lcrt_put_frame(struct lcrt_synth *s, unsigned int word,
			   unsigned long next, unsigned long ret)
{
	unsigned long fp = lcrt_slot(s, word);

	*(unsigned long *)(fp + s->l->next_fp) = next;
	*(unsigned long *)(fp + s->l->ret_pc) = ret;
}

/* A well-formed chain of @n frames, 8 words apart, ending in a zero fp. */
static void lcrt_put_chain(struct lcrt_synth *s, unsigned int n)
{
	unsigned int i, base = 16;

	for (i = 0; i < n; i++)
		lcrt_put_frame(s, base + 8 * i,
			       i + 1 < n ? lcrt_slot(s, base + 8 * (i + 1)) : 0,
			       lcrt_text(i + 1));
	s->walk.fp = lcrt_slot(s, base);
	s->walk.sp = lcrt_slot(s, base - 4);
}

static void lcrt_test_synthetic_chain(struct kunit *test)
{
	unsigned int layout, i;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		lcrt_put_chain(s, 5);
		lcrt_fp_walk(&s->trace, &s->walk, s->l);
		KUNIT_EXPECT_EQ_MSG(test, s->trace.stop, LCRT_STOP_END,
				    "layout %u", layout);
		/* The start pc, then the return address of every record. */
		KUNIT_ASSERT_EQ_MSG(test, s->trace.nr, 6U, "layout %u", layout);
		for (i = 0; i < 6; i++) {
			const struct lcrt_frame *f = &s->trace.frames[i];

			KUNIT_EXPECT_EQ(test, f->pc, lcrt_text(i));
			if (i == 5)
				break;
			/* Each window lies inside the stack and its frame. */
			KUNIT_EXPECT_LT(test, f->win_lo, f->win_hi);
			KUNIT_EXPECT_GE(test, f->win_lo, s->walk.stacks[0].lo);
			KUNIT_EXPECT_LE(test, f->win_hi, s->walk.stacks[0].hi);
			KUNIT_EXPECT_LE(test, f->win_hi - f->win_lo,
					8 * sizeof(long) + s->l->top);
		}
	}
}

static void lcrt_expect_stop(struct kunit *test, struct lcrt_synth *s, u8 stop,
			     unsigned int min_frames)
{
	lcrt_fp_walk(&s->trace, &s->walk, s->l);
	KUNIT_EXPECT_EQ(test, s->trace.stop, stop);
	KUNIT_EXPECT_GE(test, s->trace.nr, min_frames);
	KUNIT_EXPECT_LE(test, s->trace.nr, (unsigned int)LCRT_MAX_FRAMES);
}

/*
 * A chain across three stacks, as an NMI that came in an interrupt: the
 * buffer cut in three, two frames on each, from the third stack to the
 * second to the task stack (the first). Back to a stack it left, or off
 * the task stack to another, the walk stops.
 */
static void lcrt_test_synthetic_stacks(struct kunit *test)
{
	static const unsigned int at[] = { 176, 184, 96, 104, 16, 24 };
	unsigned int layout, i;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);
		struct lcrt_walk *w = &s->walk;

		for (i = 0; i < 3; i++) {
			w->stacks[i].lo = lcrt_slot(s, 86 * i);
			w->stacks[i].hi = lcrt_slot(s, 86 * (i + 1) - 6 * !!i);
		}
		w->stacks[2].hi = lcrt_slot(s, LCRT_TEST_WORDS);
		w->nstacks = 3;
		for (i = 0; i < ARRAY_SIZE(at); i++)
			lcrt_put_frame(s, at[i], i + 1 < ARRAY_SIZE(at) ?
				       lcrt_slot(s, at[i + 1]) : 0,
				       lcrt_text(i + 1));
		w->fp = lcrt_slot(s, at[0]);
		w->sp = w->fp - 4 * sizeof(long);
		lcrt_fp_walk(&s->trace, w, s->l);
		KUNIT_EXPECT_EQ_MSG(test, s->trace.stop, LCRT_STOP_END,
				    "layout %u", layout);
		KUNIT_EXPECT_EQ_MSG(test, s->trace.nr, 7U, "layout %u", layout);

		/* From the second stack back to the third, which it left. */
		lcrt_put_frame(s, at[3], lcrt_slot(s, 192), lcrt_text(4));
		lcrt_put_frame(s, 192, 0, lcrt_text(5));
		lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 4);
		/* From the task stack to another. */
		lcrt_put_frame(s, at[3], lcrt_slot(s, at[4]), lcrt_text(4));
		lcrt_put_frame(s, at[5], lcrt_slot(s, 120), lcrt_text(6));
		lcrt_put_frame(s, 120, 0, lcrt_text(7));
		lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 6);
	}
}

static void lcrt_test_synthetic_loop(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		/* A frame that points at itself. */
		lcrt_put_frame(s, 32, lcrt_slot(s, 32), lcrt_text(1));
		s->walk.fp = lcrt_slot(s, 32);
		lcrt_expect_stop(test, s, LCRT_STOP_LOOP, 2);
		/* Two frames that point at each other. */
		lcrt_put_frame(s, 32, lcrt_slot(s, 40), lcrt_text(1));
		lcrt_put_frame(s, 40, lcrt_slot(s, 32), lcrt_text(2));
		lcrt_expect_stop(test, s, LCRT_STOP_LOOP, 3);
	}
}

static void lcrt_test_synthetic_range(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		/* The second frame pointer points past the stack. */
		lcrt_put_frame(s, 32, s->walk.stacks[0].hi + 64, lcrt_text(1));
		s->walk.fp = lcrt_slot(s, 32);
		lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 2);
		/* The first one points below it. */
		s->walk.fp = s->walk.stacks[0].lo - 256;
		lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 1);
		/* A record that would straddle the end of the stack. */
		s->walk.fp = s->walk.stacks[0].hi - sizeof(long);
		if (s->l->ret_pc > 0)
			lcrt_expect_stop(test, s, LCRT_STOP_RANGE, 1);
	}
}

static void lcrt_test_synthetic_align(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		lcrt_put_frame(s, 32, lcrt_slot(s, 40) + 1, lcrt_text(1));
		s->walk.fp = lcrt_slot(s, 32);
		lcrt_expect_stop(test, s, LCRT_STOP_ALIGN, 2);
	}
}

static void lcrt_test_synthetic_zero(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		/* No frame pointer at all: just the pc. */
		s->walk.fp = 0;
		lcrt_expect_stop(test, s, LCRT_STOP_ZERO, 1);
		KUNIT_EXPECT_EQ(test, s->trace.nr, 1U);
		/* A zero return address ends the chain. */
		lcrt_put_frame(s, 32, lcrt_slot(s, 40), 0);
		s->walk.fp = lcrt_slot(s, 32);
		lcrt_expect_stop(test, s, LCRT_STOP_END, 1);
		KUNIT_EXPECT_EQ(test, s->trace.nr, 1U);
	}
}

static void lcrt_test_synthetic_depth(struct kunit *test)
{
	unsigned int layout;

	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);

		lcrt_put_chain(s, 28);	/* 28 frames * 8 words fit in 256 */
		s->walk.stacks[0].hi = lcrt_slot(s, LCRT_TEST_WORDS);
		lcrt_fp_walk(&s->trace, &s->walk, s->l);
		KUNIT_EXPECT_EQ(test, s->trace.stop, LCRT_STOP_END);
		KUNIT_EXPECT_EQ(test, s->trace.nr, 29U);
	}
	for (layout = 0; layout < ARRAY_SIZE(lcrt_layouts); layout++) {
		struct lcrt_synth *s = lcrt_synth(test, layout);
		unsigned int i;

		/* A chain longer than the limit: frames 4 words apart. */
		for (i = 0; i < 60; i++)
			lcrt_put_frame(s, 8 + 4 * i, lcrt_slot(s, 12 + 4 * i),
				       lcrt_text(i));
		s->walk.fp = lcrt_slot(s, 8);
		lcrt_expect_stop(test, s, LCRT_STOP_DEPTH, LCRT_MAX_FRAMES);
	}
}

static void lcrt_test_synthetic_fault(struct kunit *test)
{
	struct lcrt_synth *s;

	if (IS_ENABLED(CONFIG_UML))
		kunit_skip(test, "UML's nofault reads do not survive unmapped addresses");
	s = lcrt_synth(test, 2);
	/* A stack the walk may use, but that is not mapped. */
	s->walk.stacks[0].lo = 0x100;
	s->walk.stacks[0].hi = 0x1000;
	s->walk.fp = 0x200;
	lcrt_expect_stop(test, s, LCRT_STOP_FAULT, 1);
}

/* A fake exception frame: three words, pc, fp and sp of the interrupted. */
static bool lcrt_test_entry_regs(unsigned long regs, unsigned long *pc,
				 unsigned long *fp, unsigned long *sp)
{
	const unsigned long *r = (const unsigned long *)regs;

	*pc = r[0];
	*fp = r[1];
	*sp = r[2];
	return true;
}

static void lcrt_test_synthetic_exception(struct kunit *test)
{
	struct lcrt_fp_layout l = lcrt_layouts[2];
	struct lcrt_synth *s = lcrt_synth(test, 2);
	unsigned long interrupted = lcrt_text(3);

	l.entry_regs = lcrt_test_entry_regs;
	l.regs_size = 3 * sizeof(long);
	s->l = &l;
	/* Frame 0 at word 16 returns into entry code whose fp marks regs. */
	lcrt_put_frame(s, 16, lcrt_slot(s, 32) + 1, lcrt_text(1));
	s->stack[32] = interrupted;
	s->stack[33] = lcrt_slot(s, 48);	/* the interrupted fp */
	s->stack[34] = lcrt_slot(s, 40);	/* and sp */
	lcrt_put_frame(s, 48, 0, lcrt_text(2));
	s->walk.fp = lcrt_slot(s, 16);
	lcrt_fp_walk(&s->trace, &s->walk, s->l);
	KUNIT_EXPECT_EQ(test, s->trace.stop, LCRT_STOP_END);
	KUNIT_ASSERT_EQ(test, s->trace.nr, 4U);
	/* The entry frame, then the interrupted pc itself, exactly. */
	KUNIT_EXPECT_EQ(test, s->trace.frames[1].pc, lcrt_text(1));
	KUNIT_EXPECT_EQ(test, s->trace.frames[2].pc, interrupted);
	KUNIT_EXPECT_TRUE(test, s->trace.frames[2].exact);
	KUNIT_EXPECT_FALSE(test, s->trace.frames[1].exact);
	KUNIT_EXPECT_EQ(test, s->trace.frames[3].pc, lcrt_text(2));
	/* The interrupted frame's window starts at its sp. */
	KUNIT_EXPECT_EQ(test, s->trace.frames[2].win_lo, lcrt_slot(s, 40));
}

/*
 * An entry from user mode (the arch's entry_regs() gives pc 0 for it): the
 * kernel's chain ends there, whatever fp the registers hold.
 */
static void lcrt_test_synthetic_user_entry(struct kunit *test)
{
	struct lcrt_fp_layout l = lcrt_layouts[2];
	struct lcrt_synth *s = lcrt_synth(test, 2);
	unsigned int i;

	l.entry_regs = lcrt_test_entry_regs;
	l.regs_size = 3 * sizeof(long);
	s->l = &l;
	lcrt_put_frame(s, 16, lcrt_slot(s, 32) + 1, lcrt_text(1));
	s->stack[32] = 0;			/* from user mode */
	s->stack[33] = lcrt_slot(s, 48);	/* an fp that looks fine */
	s->stack[34] = lcrt_slot(s, 40);
	lcrt_put_frame(s, 48, 0, lcrt_text(2));
	s->walk.fp = lcrt_slot(s, 16);
	lcrt_fp_walk(&s->trace, &s->walk, s->l);
	KUNIT_EXPECT_EQ(test, s->trace.stop, LCRT_STOP_END);
	KUNIT_EXPECT_EQ(test, s->trace.nr, 2U);
	for (i = 0; i < s->trace.nr; i++)
		KUNIT_EXPECT_NE(test, s->trace.frames[i].pc, lcrt_text(2));
}

static void lcrt_test_poke_name(struct kunit *test)
{
	/* "lcrt_func\0\0\0", 0xff00000c, then the function. */
	static const u32 image[] __aligned(8) = {
		0x7472636c, 0x6e75665f, 0x00000063, 0xff00000c, 0xe1a0c00d,
	};
	char name[LCRT_NAME_MAX + 1];
	unsigned long func = (unsigned long)&image[4];

	KUNIT_EXPECT_EQ(test, lcrt_poke_name(func, name, sizeof(name)), 9U);
	KUNIT_EXPECT_STREQ(test, name, "lcrt_func");
	/* No marker before the function: no name. */
	KUNIT_EXPECT_EQ(test, lcrt_poke_name((unsigned long)&image[3], name,
					     sizeof(name)), 0U);
	/* A name longer than the buffer is refused, not cut. */
	KUNIT_EXPECT_EQ(test, lcrt_poke_name(func, name, 8), 0U);
	KUNIT_EXPECT_EQ(test, lcrt_poke_name(func + 2, name, sizeof(name)), 0U);
}

static struct kunit_case lcrt_unwind_cases[] = {
	KUNIT_CASE(lcrt_test_real_chain),
	KUNIT_CASE(lcrt_test_irq_chain),
	KUNIT_CASE(lcrt_test_synthetic_chain),
	KUNIT_CASE(lcrt_test_synthetic_stacks),
	KUNIT_CASE(lcrt_test_synthetic_loop),
	KUNIT_CASE(lcrt_test_synthetic_range),
	KUNIT_CASE(lcrt_test_synthetic_align),
	KUNIT_CASE(lcrt_test_synthetic_zero),
	KUNIT_CASE(lcrt_test_synthetic_depth),
	KUNIT_CASE(lcrt_test_synthetic_fault),
	KUNIT_CASE(lcrt_test_synthetic_exception),
	KUNIT_CASE(lcrt_test_synthetic_user_entry),
	KUNIT_CASE(lcrt_test_poke_name),
	{}
};

static struct kunit_suite lcrt_unwind_suite = {
	.name = "lcrt_unwind",
	.test_cases = lcrt_unwind_cases,
};

kunit_test_suite(lcrt_unwind_suite);
