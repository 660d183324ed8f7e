// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: crashes before LKDTM can be asked.
 *
 * For tests only (CONFIG_LCRT_TEST_HOOKS). lcrt.test_panic= panics at a
 * point of the boot that no debugfs file can reach:
 *
 *   cmdline    while start_kernel() parses the command line, before
 *              trap_init(), mm_init() and any initcall runs
 *   initcall   in an early initcall that runs before LCRT's own
 *
 * LCRT must record both.
 */
#define pr_fmt(fmt) "lcrt_test: " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/string.h>

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

/* Linked before core.o: runs before LCRT's early initcall. */
static int __init lcrt_test_early(void)
{
	if (lcrt_test_initcall)
		panic("lcrt_test: panic in an early initcall");
	return 0;
}
early_initcall(lcrt_test_early);
