// SPDX-License-Identifier: GPL-2.0
/*
 * LCRT - Linux Crash Record and Trace: one writer of the region at a time.
 *
 * A capture owns the region by its CPU's number, a reader or a clear in
 * process context by LCRT_OWNER_READER() of its CPU. A crash on another
 * CPU waits a bounded time for the owner; the panicking CPU then takes the
 * region over.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/sched.h>

#include "lcrt.h"

/**
 * lcrt_owner_get() - own the region: one writer at a time
 * @o: the owner
 * @token: this CPU's number for a capture, LCRT_OWNER_READER(this CPU) for
 *	a reader or a clear in process context (which holds it with
 *	interrupts off and never sleeps while it does)
 * @takeover: the panicking CPU: take the region after @wait_us
 * @wait_us: how long to wait for the owner
 *
 * A capture that finds the region owned by its own CPU and task was
 * interrupted by a crash inside it (a fault, an NMI): it gives up at once,
 * and the capture it interrupted stays torn if it never ends. Owned by its
 * own CPU but another task, the owner was abandoned (its task died in a
 * crash inside the capture): the region is taken over. So is a reader's
 * region found by a capture on the reader's CPU: the reader holds it with
 * interrupts off, so the crash interrupted it (an NMI, a fault inside it),
 * and the reader does not run again before the crash is recorded.
 *
 * Owned by another CPU, the panic waits @wait_us for it, then takes the
 * region over from an owner that has been quiet that long (it died in the
 * capture, or was stopped); one that still beats (lcrt_owner_beat()) is at
 * work, and is waited for up to LCRT_OWNER_BUSY_US more, so that two
 * writers do not interleave. An owner taken over finds it has lost the
 * region (lcrt_owner_held()) before it commits, and writes no more.
 *
 * Context: any, including panic and NMI; bounded.
 * Return: true when the caller owns the region.
 */
bool lcrt_owner_get(struct lcrt_owner *o, int token, bool takeover,
		    unsigned int wait_us)
{
	unsigned int t, quiet = 0;
	int old, beat = atomic_read(&o->beat), now;

	for (t = 0; ; t++) {
		old = atomic_cmpxchg(&o->owner, LCRT_NO_OWNER, token);
		if (old == LCRT_NO_OWNER)
			goto owned;
		if (old == token && token >= 0) {
			struct task_struct *task = READ_ONCE(o->task);

			/* Interrupted in it, maybe before it said who it is. */
			if (!task || task == current)
				return false;
			break;
		}
		if (token >= 0 && old == LCRT_OWNER_READER(token))
			break;
		now = atomic_read(&o->beat);
		quiet = now == beat ? quiet + 1 : 0;
		beat = now;
		if (t >= wait_us) {
			if (!takeover)
				return false;
			if (quiet >= wait_us || t >= wait_us + LCRT_OWNER_BUSY_US)
				break;
		}
		udelay(1);
	}
	atomic_xchg(&o->owner, token);
owned:
	WRITE_ONCE(o->task, current);
	return true;
}

NOKPROBE_SYMBOL(lcrt_owner_get);

/**
 * lcrt_owner_put() - give the region back
 * @o: the owner
 * @token: as given to lcrt_owner_get(); nothing happens if another took
 *	the region over since
 */
void lcrt_owner_put(struct lcrt_owner *o, int token)
{
	if (atomic_read(&o->owner) != token)
		return;
	WRITE_ONCE(o->task, NULL);
	atomic_cmpxchg(&o->owner, token, LCRT_NO_OWNER);
}

NOKPROBE_SYMBOL(lcrt_owner_put);

/**
 * lcrt_owner_beat() - say that the owner is still at work
 * @o: the owner
 *
 * Context: any; the caller owns the region.
 */
void lcrt_owner_beat(struct lcrt_owner *o)
{
	atomic_inc(&o->beat);
}

NOKPROBE_SYMBOL(lcrt_owner_beat);

/**
 * lcrt_owner_held() - does @token still own the region
 * @o: the owner
 * @token: as given to lcrt_owner_get()
 *
 * Context: any.
 * Return: false when a panic took the region over since.
 */
bool lcrt_owner_held(struct lcrt_owner *o, int token)
{
	return atomic_read(&o->owner) == token;
}

NOKPROBE_SYMBOL(lcrt_owner_held);
