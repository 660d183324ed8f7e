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
 * LCRT must record them all.
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
