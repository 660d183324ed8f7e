/*
 * A stand-in for a vmlinux and a module, for the --vmlinux and --modules
 * tests. The tests find the lines they expect by the LINE: markers, so keep
 * each marker on the line it names.
 */
#define NOINLINE __attribute__((noinline, noclone))

volatile int sink;

NOINLINE void leaf(int x)
{
	sink = x; /* LINE:leaf */
}

static inline __attribute__((always_inline)) void helper(int x)
{
	leaf(x * 3); /* LINE:helper_calls_leaf */
	sink = 1;
}

NOINLINE void call_b(int x)
{
	helper(x); /* LINE:call_b_calls_helper */
	sink = 0;
}

NOINLINE void call_a(int x)
{
	call_b(x + 1); /* LINE:call_a_calls_call_b */
	sink = 2;
} /* LINE:call_a_returns */

void fixture_entry(void)
{
	call_a(1);
	for (;;)
		;
}

/* Callers know nothing of what it clobbers (no IPA register allocation). */
__attribute__((noipa)) void clobber(int x)
{
	sink = x;
}

/* A parameter kept across a call, in a register the callee preserves. */
NOINLINE int keep(int x)
{
	clobber(x);
	return x + sink;
}
