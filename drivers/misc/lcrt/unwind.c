// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: find the call chain of the crash.
 *
 * With the registers of the faulting context the walk starts at the
 * faulting instruction. Without them (a panic that no oops led to) it starts
 * here and drops the frames of LCRT and of panic() itself, so that the first
 * frame reported is the one that called panic().
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/panic.h>
#include <linux/stacktrace.h>

#include "lcrt.h"

/* Frames above the crash site when LCRT is entered from panic(). */
#define LCRT_SKIP_MAX	16

static bool lcrt_in_func(unsigned long pc, unsigned long func)
{
	unsigned long size, off;

	if (!kallsyms_lookup_size_offset(pc, &size, &off))
		return false;
	return pc - off == func;
}

void lcrt_unwind(struct lcrt_trace *t, struct pt_regs *regs)
{
	static unsigned long entries[LCRT_MAX_FRAMES + LCRT_SKIP_MAX];
	unsigned int n, i, first = 0;

	t->unwinder = LCRT_UNW_KERNEL;
	t->exact_first = regs;
	if (regs) {
		n = stack_trace_save_regs(regs, entries, LCRT_MAX_FRAMES, 0);
	} else {
		n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
		for (i = 0; i < n && i < LCRT_SKIP_MAX; i++) {
			if (lcrt_in_func(entries[i], (unsigned long)panic)) {
				first = i + 1;
				break;
			}
		}
	}
	t->nr = min_t(unsigned int, n - first, LCRT_MAX_FRAMES);
	for (i = 0; i < t->nr; i++)
		t->frames[i].pc = entries[first + i];
	t->stop = n == (regs ? LCRT_MAX_FRAMES : ARRAY_SIZE(entries)) ?
		  LCRT_STOP_DEPTH : LCRT_STOP_END;
}
