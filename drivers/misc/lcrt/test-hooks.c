// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: crashes before LKDTM can be asked.
 *
 * For tests only (CONFIG_LCRT_TEST_HOOKS). They panic at points of the
 * boot that no debugfs file can reach:
 *
 *   lcrt.test_early_panic   in setup_arch(), as it parses the early
 *                           parameters (after lcrt.nvram=)
 *   lcrt.test_panic=cmdline while start_kernel() parses the command line,
 *                           before trap_init(), mm_init() and any
 *                           initcall runs
 *   lcrt.test_panic=initcall in an early initcall that runs before
 *                           LCRT's own
 *
 * LCRT must record them all. For the media that are not memory:
 *
 *   lcrt.test_cut=N[:B]     a power cut at the Nth write to the medium at
 *                           a panic: B bytes of it (0 by default) reach
 *                           the medium, then "lcrt_test: power cut" is
 *                           printed and the CPU stops, for the lab to
 *                           kill the machine
 *   lcrt.test_no_erase      the medium erases nothing ahead: a crash
 *                           finds the slots as the last boot left them
 */
#define pr_fmt(fmt) "lcrt_test: " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/string.h>

#include "lcrt.h"

static bool lcrt_test_initcall;

static int lcrt_test_panic(const char *val, const struct kernel_param *kp)
{
	if (sysfs_streq(val, "cmdline"))
		panic("lcrt_test: panic while the command line is parsed");
	if (!sysfs_streq(val, "initcall"))
		return -EINVAL;
	lcrt_test_initcall = true;
	return 0;
}

static const struct kernel_param_ops lcrt_test_panic_ops = {
	.set = lcrt_test_panic,
};

module_param_cb(test_panic, &lcrt_test_panic_ops, NULL, 0);
MODULE_PARM_DESC(test_panic, "tests only: panic at boot (cmdline, initcall)");

/*
 * No console and no panic= yet: reboot at once rather than wait forever,
 * where the machine can already reset itself.
 */
static int __init lcrt_test_early_panic(char *arg)
{
	panic_timeout = -1;
	panic("lcrt_test: panic in setup_arch()");
	return 0;
}
early_param("lcrt.test_early_panic", lcrt_test_early_panic);

/* Linked before core.o: runs before LCRT's early initcall. */
static int __init lcrt_test_early(void)
{
	if (lcrt_test_initcall)
		panic("lcrt_test: panic in an early initcall");
	return 0;
}
early_initcall(lcrt_test_early);

static unsigned int lcrt_cut_at, lcrt_cut_bytes;

static int lcrt_test_cut_set(const char *val, const struct kernel_param *kp)
{
	unsigned int at, bytes = 0;
	char extra;

	if (sscanf(val, "%u:%u%c", &at, &bytes, &extra) != 2 &&
	    sscanf(val, "%u%c", &at, &extra) != 1)
		return -EINVAL;
	lcrt_cut_at = at;
	lcrt_cut_bytes = bytes;
	return 0;
}

static const struct kernel_param_ops lcrt_test_cut_ops = {
	.set = lcrt_test_cut_set,
};

module_param_cb(test_cut, &lcrt_test_cut_ops, NULL, 0);
MODULE_PARM_DESC(test_cut, "tests only: power cut at the Nth write of a panic (N[:bytes])");

static bool test_no_erase;
module_param(test_no_erase, bool, 0);
MODULE_PARM_DESC(test_no_erase, "tests only: the medium erases nothing ahead");

/**
 * lcrt_test_cut() - how much of a write at a panic reaches the medium
 * @len: the bytes of the write
 * @cut: set when the power is cut at this write: the caller writes what
 *	this returns, then calls lcrt_test_stop()
 *
 * Context: panic, on the panicking CPU.
 * Return: @len, or the bytes lcrt.test_cut lets through.
 */
size_t lcrt_test_cut(size_t len, bool *cut)
{
	static unsigned int n;

	*cut = lcrt_cut_at && ++n == lcrt_cut_at;
	return *cut ? min_t(size_t, len, lcrt_cut_bytes) : len;
}

NOKPROBE_SYMBOL(lcrt_test_cut);

/**
 * lcrt_test_stop() - the power is cut: say so, and do nothing more
 */
void lcrt_test_stop(void)
{
	pr_emerg("power cut\n");
	for (;;)
		cpu_relax();
}

NOKPROBE_SYMBOL(lcrt_test_stop);

/**
 * lcrt_test_no_erase() - may a medium erase slots ahead
 *
 * Return: true under lcrt.test_no_erase.
 */
bool lcrt_test_no_erase(void)
{
	return test_no_erase;
}
