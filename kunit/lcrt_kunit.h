/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LCRT KUnit tests: what the suites share (format_kunit.c defines it).
 */
#ifndef _DRIVERS_MISC_LCRT_KUNIT_H
#define _DRIVERS_MISC_LCRT_KUNIT_H

#include <kunit/test.h>

#include "lcrt.h"

/* A record's facts, with a chain of frames whose windows lie in @stack. */
struct lcrt_test_record {
	struct lcrt_trace trace;
	unsigned long regs[4];
	unsigned long stack[64];	/* the frames' windows point here */
	struct lcrt_facts facts;
};

/* What a record says, read back through the decoder. */
struct lcrt_test_view {
	bool event, reason, kernel, regs, frames;
	u8 ev, ctx;
	u64 cpu, pid, preempt, taint, uptime;
	char comm[32], reason_text[64], release[32];
	u8 id[20], id_len;
	unsigned long regv[8];
	unsigned int nregs, nframes, nwindows, dropped;
	u64 last_window;	/* one past the index of the last window */
	unsigned long pc[LCRT_MAX_FRAMES];
	char name[LCRT_MAX_FRAMES][LCRT_NAME_MAX + 1];
	u64 off[LCRT_MAX_FRAMES], size[LCRT_MAX_FRAMES];
	unsigned int window_words[LCRT_MAX_FRAMES];
	unsigned long window_lo[LCRT_MAX_FRAMES];
	bool exact[LCRT_MAX_FRAMES];
	unsigned int nexact, nmodules;
	bool culprit;
	u8 rule;
	u64 culprit_idx;
	char module[2][LCRT_NAME_MAX + 1];
	u8 module_id[2][20], module_id_len[2];
	bool boot, load;
	u64 realtime;
	u8 boot_id[LCRT_BOOT_ID_SIZE], boot_id_len;
	u64 kaslr;
	unsigned int nloads;
	u64 loads[2];
	u16 flags;
	size_t total;
};

struct lcrt_test_record *lcrt_test_record(struct kunit *test,
					  unsigned int nframes);
void lcrt_test_view(struct kunit *test, const void *rec, size_t len,
		    struct lcrt_test_view *v);
size_t lcrt_full_size(struct lcrt_test_record *r, u8 *buf);

#endif /* _DRIVERS_MISC_LCRT_KUNIT_H */
