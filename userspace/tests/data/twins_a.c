/*
 * Two static functions of one name, twin(), in twins_a.c and twins_b.c,
 * linked into one stand-in vmlinux (tests/CMakeLists: the twins fixture):
 * a frame in either must get its own file and line. Functions are aligned
 * to 64 bytes, so that each one's kallsyms size (the distance to the next
 * symbol) is not its st_size. Keep each LINE: marker on the line it names.
 */
#define NOINLINE __attribute__((noinline, noclone, aligned(64)))

extern volatile int twin_sink;
volatile int twin_sink;

static NOINLINE void twin(int x)
{
	twin_sink = x; /* LINE:twin_a */
}

NOINLINE void call_twin_a(int x)
{
	twin(x + 1); /* LINE:call_twin_a */
	twin_sink = 0;
}
