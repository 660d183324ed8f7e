// SPDX-License-Identifier: GPL-2.0
/*
 * The lab's own test crashes, where LKDTM has none: a crash inside a
 * loadable module, and a crash in hard-interrupt context on another CPU.
 *
 *   insmod lcrt_crash.ko crash=oops          NULL write in this module
 *   insmod lcrt_crash.ko crash=oops depth=N  the same, under N frames of
 *                                            lcrt_crash_deep()
 *   insmod lcrt_crash.ko crash=none          no crash at load; then
 *     echo N > /sys/kernel/debug/lcrt_crash/deep   an oops under N frames
 *                                            of lcrt_crash_deep(), as often
 *                                            as asked
 *   insmod lcrt_crash.ko crash=timer cpu=1   the same, in a hard-irq timer
 *                                            on CPU 1 (always hard irq)
 *   insmod lcrt_crash.ko crash=ipi cpu=1     the same, in a cross-CPU call
 *   insmod lcrt_crash.ko crash=twice         a spinlock taken twice by
 *                                            lcrt_crash_lock_twice(): a
 *                                            soft lockup in the lock's slow
 *                                            path
 *   insmod lcrt_crash.ko crash=hung          insmod blocks for good in
 *                                            lcrt_crash_hung_wait() (D
 *                                            state): a hung task
 *   insmod lcrt_crash.ko crash=abba          two threads on CPUs 0 and 1
 *                                            take two spinlocks in opposite
 *                                            order: both CPUs lock up
 *
 * A cross-CPU call is not always an interrupt: when the target CPU is idle
 * and polling its need-resched flag, the kernel sends no IPI and the idle
 * task runs the call itself (flush_smp_call_function_queue() from
 * do_idle()), in task context with preemption off. So "ipi" crashes in
 * hard irq or in the idle task, as the target happens to be; "timer" is
 * an hrtimer in HRTIMER_MODE_REL_PINNED_HARD, whose callback runs from the
 * timer interrupt of that CPU on every configuration.
 */
#include <linux/compiler.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/spinlock.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

static char *crash = "oops";
module_param(crash, charp, 0400);
MODULE_PARM_DESC(crash, "oops, timer, ipi, twice, hung, abba or none");

static int cpu = 1;
module_param(cpu, int, 0400);
MODULE_PARM_DESC(cpu, "the CPU that takes the timer or the IPI");

static int depth;
module_param(depth, int, 0400);
MODULE_PARM_DESC(depth, "frames of lcrt_crash_deep() above the oops (0 to 256)");

#define LCRT_CRASH_MAX_DEPTH 256

static struct dentry *lcrt_crash_dir;

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

/*
 * One frame per level, each with a stack word of its own: the read of
 * "here" after the call keeps GCC from turning the recursion into a loop.
 */
static noinline int lcrt_crash_deep(int n)
{
	volatile int here = n;

	if (n > 1)
		lcrt_crash_deep(n - 1);
	else
		lcrt_crash_oops(READ_ONCE(lcrt_crash_target));
	return here;
}

/* An oops under n frames of lcrt_crash_deep(); -EINVAL for a bad n. */
static int lcrt_crash_under(int n)
{
	if (n < 0 || n > LCRT_CRASH_MAX_DEPTH)
		return -EINVAL;
	if (n)
		lcrt_crash_deep(n);
	else
		lcrt_crash_oops(READ_ONCE(lcrt_crash_target));
	return -EIO;	/* not reached */
}

static bool lcrt_crash_cpu_ok(void)
{
	return cpu >= 0 && cpu < nr_cpu_ids && cpu_online(cpu);
}

static ssize_t lcrt_crash_deep_write(struct file *file, const char __user *buf,
				     size_t count, loff_t *pos)
{
	int n, ret;

	ret = kstrtoint_from_user(buf, count, 0, &n);
	if (ret)
		return ret;
	return lcrt_crash_under(n);
}

static const struct file_operations lcrt_crash_deep_fops = {
	.write = lcrt_crash_deep_write,
	.llseek = noop_llseek,
};

static noinline void lcrt_crash_ipi(void *where)
{
	lcrt_crash_write(where, 0x1b1);
	barrier();
}

static struct hrtimer lcrt_crash_hrtimer;

static noinline enum hrtimer_restart lcrt_crash_timer(struct hrtimer *t)
{
	lcrt_crash_write(READ_ONCE(lcrt_crash_target), 0x71e);
	barrier();
	return HRTIMER_NORESTART;
}

/* On the target CPU: a pinned timer fires on the CPU that started it. */
static long lcrt_crash_arm(void *unused)
{
	hrtimer_init(&lcrt_crash_hrtimer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_REL_PINNED_HARD);
	lcrt_crash_hrtimer.function = lcrt_crash_timer;
	hrtimer_start(&lcrt_crash_hrtimer, ms_to_ktime(1),
		      HRTIMER_MODE_REL_PINNED_HARD);
	return 0;
}

/* On another CPU than the target, so that the call is a real IPI. */
static long lcrt_crash_send(void *unused)
{
	return smp_call_function_single(cpu, lcrt_crash_ipi,
					READ_ONCE(lcrt_crash_target), 1);
}

static DEFINE_SPINLOCK(lcrt_crash_lock_a);
static DEFINE_SPINLOCK(lcrt_crash_lock_b);

/* The second spin_lock() never returns: its slow path spins for itself. */
static noinline void lcrt_crash_lock_twice(spinlock_t *lock)
{
	spin_lock(lock);
	spin_lock(lock);
	barrier();
}

static DECLARE_COMPLETION(lcrt_crash_never);

/* Waits, uninterruptibly, for a completion that nobody signals. */
static noinline void lcrt_crash_hung_wait(void)
{
	wait_for_completion(&lcrt_crash_never);
	barrier();
}

/* Each side holds one lock and spins for the other. */
static noinline void lcrt_crash_take_two(spinlock_t *first, spinlock_t *second)
{
	spin_lock(first);
	mdelay(200);
	spin_lock(second);
	barrier();
}

static int lcrt_crash_abba_ab(void *unused)
{
	lcrt_crash_take_two(&lcrt_crash_lock_a, &lcrt_crash_lock_b);
	return 0;
}

static int lcrt_crash_abba_ba(void *unused)
{
	lcrt_crash_take_two(&lcrt_crash_lock_b, &lcrt_crash_lock_a);
	return 0;
}

static int lcrt_crash_abba(void)
{
	struct task_struct *ab, *ba;

	if (num_online_cpus() < 2)
		return -ENODEV;
	ab = kthread_create_on_cpu(lcrt_crash_abba_ab, NULL, 0, "lcrt_ab/%u");
	ba = kthread_create_on_cpu(lcrt_crash_abba_ba, NULL, 1, "lcrt_ba/%u");
	if (IS_ERR(ab) || IS_ERR(ba))
		return -ENOMEM;
	wake_up_process(ab);
	wake_up_process(ba);
	msleep(60000);
	return -EIO;
}

static int __init lcrt_crash_init(void)
{
	if (!strcmp(crash, "none")) {
		lcrt_crash_dir = debugfs_create_dir("lcrt_crash", NULL);
		debugfs_create_file("deep", 0200, lcrt_crash_dir, NULL,
				    &lcrt_crash_deep_fops);
		return 0;
	} else if (!strcmp(crash, "oops")) {
		return lcrt_crash_under(depth);
	} else if (!strcmp(crash, "timer")) {
		if (!lcrt_crash_cpu_ok())
			return -EINVAL;
		work_on_cpu(cpu, lcrt_crash_arm, NULL);
		msleep(1000);
		/* Not reached when the crash panics; never leave it armed. */
		hrtimer_cancel(&lcrt_crash_hrtimer);
	} else if (!strcmp(crash, "twice")) {
		lcrt_crash_lock_twice(&lcrt_crash_lock_a);
	} else if (!strcmp(crash, "hung")) {
		lcrt_crash_hung_wait();
	} else if (!strcmp(crash, "abba")) {
		return lcrt_crash_abba();
	} else if (!strcmp(crash, "ipi")) {
		unsigned int from;

		if (!lcrt_crash_cpu_ok())
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

static void __exit lcrt_crash_exit(void)
{
	debugfs_remove_recursive(lcrt_crash_dir);
}
module_exit(lcrt_crash_exit);

MODULE_DESCRIPTION("LCRT lab: crashes in a module, in hard-irq context, in a cross-CPU call, in locks and waits");
MODULE_LICENSE("GPL");
