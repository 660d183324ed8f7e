// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: the other CPUs at a panic.
 *
 * When the panic notifiers run, panic() has stopped the other CPUs with
 * smp_send_stop() and waited for them (a bounded wait of its own). On arm
 * and arm64 a CPU stops inside the stop IPI's handler and never returns
 * from it, so its interrupt's registers (get_irq_regs() on that CPU, set by
 * the IRQ entry) still describe where it was: its pc, and a short chain
 * from its frame records or its link register. A CPU that is still online
 * did not answer the stop (it runs with interrupts off) and is recorded as
 * such. x86's reboot vector keeps no pointer to its registers: its
 * lcrt_arch_stopped() finds them from the top of the CPU's hardirq stack,
 * proving each step, and the chain comes from ORC on the stopped task's
 * stack; a CPU stopped by NMI (it did not take the reboot vector) or whose
 * registers cannot be proven is recorded as stopped, and nothing else. A CPU that
 * was panicking too and stopped itself (panic_smp_self_stop()) is shown
 * as the stop found it. The walk assumes THREAD_SIZE-aligned stacks
 * (VMAP_STACK, as vendors ship); the reads are nofault either way.
 *
 * Everything here reads another CPU's memory with nofault reads, inside a
 * stack-sized block around its stack pointer, and is bounded by
 * LCRT_CPUS_MAX and LCRT_CPU_FRAMES.
 */
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/irq_regs.h>

#include "lcrt.h"

static struct lcrt_trace lcrt_cpu_trace;
static struct pt_regs lcrt_cpu_regs;

/*
 * Where @cpu was when it stopped, copied, and the task it ran when that is
 * known (*@tsk): false when nothing says.
 */
static bool lcrt_cpu_stopped_regs(unsigned int cpu, struct pt_regs *copy,
				  struct task_struct **tsk)
{
	struct pt_regs *regs;

	*tsk = NULL;
	if (!IS_ENABLED(CONFIG_LCRT_STOP_REGS))
		return lcrt_arch_stopped(cpu, copy, tsk);
	regs = READ_ONCE(per_cpu(__irq_regs, cpu));
	return regs && !copy_from_kernel_nofault(copy, regs, sizeof(*copy));
}

NOKPROBE_SYMBOL(lcrt_cpu_stopped_regs);

/* @c's short chain from the registers where it stopped. */
static void lcrt_cpu_chain(struct lcrt_cpu *c, struct pt_regs *regs,
			   struct task_struct *tsk)
{
	struct lcrt_trace *t = &lcrt_cpu_trace;
	unsigned int i;

	if (user_mode(regs)) {
		c->user = true;
		c->nr = 1;
		c->frames[0].pc = instruction_pointer(regs);
		return;
	}
	lcrt_unwind_stopped(t, regs, tsk);
	t->nr = min_t(unsigned int, t->nr, LCRT_CPU_FRAMES);
	lcrt_symbolize(t);
	c->nr = min_t(unsigned int, t->nr, LCRT_CPU_FRAMES);
	for (i = 0; i < c->nr; i++) {
		c->frames[i].pc = t->frames[i].pc;
		c->frames[i].off = t->frames[i].off;
		c->frames[i].size = t->frames[i].size;
		strscpy(c->frames[i].name, t->frames[i].name,
			LCRT_CPU_NAME_MAX + 1);
	}
}

NOKPROBE_SYMBOL(lcrt_cpu_chain);

/**
 * lcrt_other_cpus() - the state of every other CPU at a panic
 * @out: filled with one entry per other CPU that was up (active) at the
 *       panic
 * @max: entries @out holds
 *
 * Context: the panic notifier, after smp_send_stop(); no locks, no waits.
 * Return: the number of entries filled.
 */
unsigned int lcrt_other_cpus(struct lcrt_cpu *out, unsigned int max)
{
	unsigned int cpu, n = 0, self = raw_smp_processor_id();

	for_each_present_cpu(cpu) {
		struct task_struct *tsk;
		struct lcrt_cpu *c;

		if (cpu == self || n == max)
			continue;
		c = &out[n];
		memset(c, 0, sizeof(*c));
		c->cpu = cpu;
		if (!cpu_active(cpu)) {
			continue;	/* never brought up, or unplugged */
		} else if (cpu_online(cpu)) {
			/* It did not take the stop: interrupts off. */
			c->state = LCRT_CPU_RUNNING;
		} else if (lcrt_cpu_stopped_regs(cpu, &lcrt_cpu_regs, &tsk)) {
			c->state = LCRT_CPU_STOPPED;
			lcrt_cpu_chain(c, &lcrt_cpu_regs, tsk);
		} else {
			c->state = LCRT_CPU_STOPPED_NO_REGS;
		}
		n++;
	}
	return n;
}

NOKPROBE_SYMBOL(lcrt_other_cpus);
