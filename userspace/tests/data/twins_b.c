/* The other twin() (see twins_a.c), longer than the first. */
#define NOINLINE __attribute__((noinline, noclone, aligned(64)))

extern volatile int twin_sink;
void call_twin_a(int x);

static NOINLINE void twin(int x)
{
	twin_sink = x * 7; /* LINE:twin_b */
	twin_sink = x * 11;
}

NOINLINE void call_twin_b(int x)
{
	twin(x + 2); /* LINE:call_twin_b */
	twin_sink = 0;
}

void twins_entry(void)
{
	call_twin_a(1);
	call_twin_b(2);
	for (;;)
		;
}
