// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for LCRT: what user space asks of it (the control file) and
 * how a crash is named (its event, its reason, its boot).
 *
 * Run them in a patched tree with:
 *   ./tools/testing/kunit/kunit.py run --kunitconfig=drivers/misc/lcrt
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "lcrt_kunit.h"

struct lcrt_control_case {
	const char *text;
	int ret, how;
	u64 seq;
};

static const struct lcrt_control_case lcrt_control_cases[] = {
	{ "clear", 0, LCRT_CLEAR_ALL, 0 },
	{ "clear\n", 0, LCRT_CLEAR_ALL, 0 },
	{ "  \tclear \t", 0, LCRT_CLEAR_ALL, 0 },
	{ "clear 7", 0, LCRT_CLEAR_ONE, 7 },
	{ "clear\t18446744073709551615\n", 0, LCRT_CLEAR_ONE, U64_MAX },
	{ "clear to 0", 0, LCRT_CLEAR_TO, 0 },
	{ "clear to 12\n", 0, LCRT_CLEAR_TO, 12 },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "Clear", -EINVAL },
	{ "clearall", -EINVAL },
	{ "erase", -EINVAL },
	{ "clear 0", -EINVAL },		/* no record is numbered 0 */
	{ "clear -1", -EINVAL },
	{ "clear +1", -EINVAL },
	{ "clear 0x10", -EINVAL },
	{ "clear 12a", -EINVAL },
	{ "clear 18446744073709551616", -EINVAL },	/* past u64 */
	{ "clear to", -EINVAL },
	{ "clear to x", -EINVAL },
	{ "clear from 3", -EINVAL },
	{ "clear 3 4", -EINVAL },
	{ "clear to 3 4", -EINVAL },
	/* At most 47 bytes. */
	{ "clear to 3                                     ", 0, LCRT_CLEAR_TO, 3 },
	{ "clear to 3                                      ", -EINVAL },
};

static void lcrt_control_desc(const struct lcrt_control_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%*pE", (int)strlen(c->text),
		 c->text);
}

KUNIT_ARRAY_PARAM(lcrt_control, lcrt_control_cases, lcrt_control_desc);

/* Each word the control file takes, and a clear error for the others. */
static void lcrt_test_control_words(struct kunit *test)
{
	const struct lcrt_control_case *c = test->param_value;
	int how = -1, ret;
	u64 seq = 99;

	ret = lcrt_control_parse(c->text, strlen(c->text), &how, &seq);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (ret)
		return;
	KUNIT_EXPECT_EQ(test, how, c->how);
	KUNIT_EXPECT_EQ(test, seq, c->seq);
}

/* Only the bytes written count: no NUL, no byte past @count is read. */
static void lcrt_test_control_bytes(struct kunit *test)
{
	static const char nul[] = "clear\0 5";
	int how = -1;
	u64 seq;

	KUNIT_EXPECT_EQ(test, lcrt_control_parse(nul, sizeof(nul) - 1, &how,
						 &seq), -EINVAL);
	/* "clear 5" followed by bytes that were not written. */
	KUNIT_EXPECT_EQ(test, lcrt_control_parse("clear 5junk", 7, &how, &seq),
			0);
	KUNIT_EXPECT_EQ(test, how, LCRT_CLEAR_ONE);
	KUNIT_EXPECT_EQ(test, seq, 5ULL);
	KUNIT_EXPECT_EQ(test, lcrt_control_parse("clear", 0, &how, &seq),
			-EINVAL);
}

static void lcrt_test_panic_event(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, lcrt_panic_event(NULL), LCRT_EV_PANIC);
	KUNIT_EXPECT_EQ(test, lcrt_panic_event("Fatal exception"),
			LCRT_EV_PANIC);
	KUNIT_EXPECT_EQ(test, lcrt_panic_event("panic_on_warn set ..."),
			LCRT_EV_WARN);
	KUNIT_EXPECT_EQ(test, lcrt_panic_event("softlockup: hung tasks"),
			LCRT_EV_WATCHDOG);
	KUNIT_EXPECT_EQ(test, lcrt_panic_event("Watchdog detected hard LOCKUP on cpu 1"),
			LCRT_EV_WATCHDOG);
	KUNIT_EXPECT_EQ(test, lcrt_panic_event("hung_task: blocked tasks"),
			LCRT_EV_WATCHDOG);
	KUNIT_EXPECT_EQ(test, lcrt_panic_event("RCU Stall"), LCRT_EV_WATCHDOG);
	KUNIT_EXPECT_EQ(test, lcrt_panic_event("dumb test panic"),
			LCRT_EV_PANIC);
}

static void lcrt_test_oops_reason(struct kunit *test)
{
	char buf[40];

	lcrt_oops_reason(buf, sizeof(buf), NULL, "Oops", 0x17);
	KUNIT_EXPECT_STREQ(test, buf, "Oops, err 0x17");
	lcrt_oops_reason(buf, sizeof(buf), NULL, "", 0x10);
	KUNIT_EXPECT_STREQ(test, buf, "Oops, err 0x10");
	lcrt_oops_reason(buf, sizeof(buf), NULL, NULL, 2);
	KUNIT_EXPECT_STREQ(test, buf, "Oops, err 0x2");
	lcrt_oops_reason(buf, sizeof(buf), "Fatal exception", "Oops", 2);
	KUNIT_EXPECT_STREQ(test, buf, "Fatal exception (after Oops, err 0x2)");
	/* Cut to the buffer, never past it. */
	lcrt_oops_reason(buf, 12, "Fatal exception", "Oops", 2);
	KUNIT_EXPECT_STREQ(test, buf, "Fatal excep");
}

/* A clock that was never set dates nothing; a set one dates the crash. */
static void lcrt_test_realtime(struct kunit *test)
{
	const u64 day = 86400ULL * NSEC_PER_SEC;
	const u64 now = 1764000000ULL * NSEC_PER_SEC;

	/* Never set: the boot began at 0, whatever its length. */
	KUNIT_EXPECT_EQ(test, lcrt_realtime(5 * NSEC_PER_SEC, 5 * NSEC_PER_SEC), 0ULL);
	KUNIT_EXPECT_EQ(test, lcrt_realtime(30 * day, 30 * day), 0ULL);
	KUNIT_EXPECT_EQ(test, lcrt_realtime(0, 0), 0ULL);
	/* The day's boundary. */
	KUNIT_EXPECT_EQ(test, lcrt_realtime(day - 1, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, lcrt_realtime(day, 0), day);
	/* Set (RTC, NTP): the wall clock, long uptime or not. */
	KUNIT_EXPECT_EQ(test, lcrt_realtime(now, 3 * NSEC_PER_SEC), now);
	KUNIT_EXPECT_EQ(test, lcrt_realtime(now, 400 * day), now);
}

static void lcrt_test_boot_id_parse(struct kunit *test)
{
	static const u8 want[LCRT_BOOT_ID_SIZE] = {
		0xb4, 0xd1, 0x55, 0xfb, 0x84, 0x30, 0x4d, 0xea,
		0xa6, 0xf8, 0xc4, 0x36, 0x43, 0x18, 0x73, 0xa3,
	};
	u8 id[LCRT_BOOT_ID_SIZE];

	/* As proc shows it, with its newline: the bytes in text order. */
	KUNIT_ASSERT_EQ(test, lcrt_boot_id_parse("b4d155fb-8430-4dea-a6f8-c436431873a3\n", id), 0);
	KUNIT_EXPECT_EQ(test, memcmp(id, want, sizeof(want)), 0);
	KUNIT_EXPECT_EQ(test, lcrt_boot_id_parse("b4d155fb-8430-4dea-a6f8-c436431873a", id),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, lcrt_boot_id_parse("b4d155fb84304deaa6f8c436431873a3", id),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, lcrt_boot_id_parse("", id), -EINVAL);
	KUNIT_EXPECT_EQ(test, lcrt_boot_id_parse("g4d155fb-8430-4dea-a6f8-c436431873a3", id),
			-EINVAL);
}

static struct kunit_case lcrt_control_suite_cases[] = {
	KUNIT_CASE_PARAM(lcrt_test_control_words, lcrt_control_gen_params),
	KUNIT_CASE(lcrt_test_control_bytes),
	KUNIT_CASE(lcrt_test_panic_event),
	KUNIT_CASE(lcrt_test_oops_reason),
	KUNIT_CASE(lcrt_test_realtime),
	KUNIT_CASE(lcrt_test_boot_id_parse),
	{}
};

static struct kunit_suite lcrt_control_suite = {
	.name = "lcrt_control",
	.test_cases = lcrt_control_suite_cases,
};

kunit_test_suite(lcrt_control_suite);
