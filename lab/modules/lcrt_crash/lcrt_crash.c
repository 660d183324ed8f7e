// SPDX-License-Identifier: GPL-2.0
/*
 * The lab's own test crashes, where LKDTM has none: a crash inside a
 * loadable module, and a crash in hard-interrupt context on another CPU.
 *
 *   insmod lcrt_crash.ko crash=oops          NULL write in this module
 *   insmod lcrt_crash.ko crash=ipi cpu=1     the same, in an IPI on CPU 1
 */
#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

static char *crash = "oops";
module_param(crash, charp, 0400);
MODULE_PARM_DESC(crash, "oops or ipi");

static int cpu = 1;
module_param(cpu, int, 0400);
MODULE_PARM_DESC(cpu, "the CPU that takes the IPI");

static int *lcrt_crash_target;	/* NULL, but the compiler cannot know */

static noinline void lcrt_crash_write(int *where, int what)
{
	WRITE_ONCE(*where, what);
}

/* In the module's .text (not .init.text), so that its name stays. */
static noinline void lcrt_crash_oops(void *where)
{
	lcrt_crash_write(where, 0x1c47);
	barrier();
}

static noinline void lcrt_crash_ipi(void *where)
{
	lcrt_crash_write(where, 0x1b1);
	barrier();
}

/* On another CPU than the target, so that the call is a real IPI. */
static long lcrt_crash_send(void *unused)
{
	return smp_call_function_single(cpu, lcrt_crash_ipi,
					READ_ONCE(lcrt_crash_target), 1);
}

static int __init lcrt_crash_init(void)
{
	if (!strcmp(crash, "oops")) {
		lcrt_crash_oops(READ_ONCE(lcrt_crash_target));
	} else if (!strcmp(crash, "ipi")) {
		unsigned int from;

		if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu))
			return -EINVAL;
		from = cpumask_any_but(cpu_online_mask, cpu);
		if (from >= nr_cpu_ids)
			return -ENODEV;
		work_on_cpu(from, lcrt_crash_send, NULL);
	} else {
		return -EINVAL;
	}
	return -EIO;	/* not reached */
}
module_init(lcrt_crash_init);

MODULE_DESCRIPTION("LCRT lab: crashes in a module and in hard-irq context");
MODULE_LICENSE("GPL");
