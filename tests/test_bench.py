"""The bench's judge (lab/bench.py), on text and bytes made here: the same
rule for ramoops' text as a reader would apply, and no stretch of it."""
import struct
import tempfile
import unittest

import labtest  # noqa: F401  (puts lab/ on the path)
import bench


class Named(unittest.TestCase):
    def test_every_printed_form_of_a_frame_counts(self):
        for text in ("PC is at lkdtm_BUG+0x4/0x8", " lkdtm_BUG from lkdtm_do_action+0x1c/0x2c",
                     "[<c0370420>] (lkdtm_BUG) from", "RIP: 0010:lkdtm_BUG+0x5/0x10",
                     " lkdtm_BUG.isra.0+0x4/0x8", "  lkdtm_BUG+0x4/0x8 [lkdtm]"):
            self.assertTrue(bench.named("lkdtm_BUG", text), text)

    def test_part_of_a_longer_name_does_not(self):
        for text in ("lkdtm_BUGS+0x4/0x8", "my_lkdtm_BUG+0x4", "lkdtm: Performing direct entry BUG",
                     "x.lkdtm_BUG+0x4"):
            self.assertFalse(bench.named("lkdtm_BUG", text), text)


class ConsoleChain(unittest.TestCase):
    """The true chain from the kernel's own trace on the console."""

    MAP = ("c0100000 T _stext\n"
           "c0300000 t lkdtm_BUG\n"
           "c0300010 t lkdtm_PANIC\n"
           "c0300020 t lkdtm_ACCESS_NULL\n"
           "c0300078 t lkdtm_do_action\n"
           "c03000a0 t lkdtm_do_action\n"      # a static twin of another size
           "c03000d0 d some_data\n"
           "c0300100 T panic\n"
           "c0300400 T add_taint\n"
           "c0300500 T vfs_write\n")

    def symbols(self):
        with tempfile.NamedTemporaryFile("w", suffix=".map") as f:
            f.write(self.MAP)
            f.flush()
            return bench.text_symbols(f.name)

    ARM_PANIC = ("Kernel panic - not syncing: dumptest\n"
                 "CPU: 1 PID: 34 Comm: sh Not tainted 6.1.192 #2\n"
                 " unwind_backtrace from show_stack+0x10/0x14\n"
                 " show_stack from dump_stack_lvl+0x40/0x4c\n"
                 " dump_stack_lvl from panic+0x10c/0x350\n"
                 " panic from lkdtm_ACCESS_NULL+0x0/0x58\n"
                 "CPU0: stopping\n"
                 "CPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.1.192 #2\n"
                 " dump_stack_lvl from do_handle_IPI+0xf0/0x124\n"
                 " do_handle_IPI from ipi_handler+0x18/0x20\n"
                 "---[ end Kernel panic - not syncing: dumptest ]---\n")

    def test_a_return_address_at_a_first_byte_is_the_function_before(self):
        self.assertEqual(bench.console_chain(self.ARM_PANIC, self.symbols()),
                         ("lkdtm_PANIC", ["lkdtm_PANIC"]))

    def test_another_cpus_trace_is_not_the_chain(self):
        # Without the map the first-byte frame ends the chain, and the
        # stopped CPU's frames after it are not taken either.
        self.assertEqual(bench.console_chain(self.ARM_PANIC), (None, []))

    def test_arm64_frames_go_on_past_the_noreturn_calls(self):
        console = ("Kernel panic - not syncing: dumptest\n"
                   "Call trace:\n"
                   " dump_stack+0x14/0x1c\n"
                   " panic+0x324/0x300\n"
                   " add_taint+0x0/0xa8\n"
                   " lkdtm_ACCESS_NULL+0x0/0x58\n"
                   " lkdtm_do_action+0x18/0x28\n"
                   " vfs_write+0xdc/0x354\n"
                   "SMP: stopping secondary CPUs\n"
                   " other_cpu_frame+0x10/0x20\n")
        self.assertEqual(bench.console_chain(console, self.symbols()),
                         ("lkdtm_PANIC", ["lkdtm_PANIC", "lkdtm_do_action", "vfs_write"]))

    def test_a_name_the_map_cannot_tell_ends_the_chain(self):
        # Two lkdtm_do_action of the size printed: which one is not known.
        syms = self.symbols()
        self.assertIsNone(bench.function_before("lkdtm_do_action", 0x99, syms))
        self.assertEqual(bench.function_before("lkdtm_do_action", 0x28, syms),
                         "lkdtm_ACCESS_NULL")
        self.assertEqual(bench.function_before("lkdtm_do_action", 0x60, syms),
                         "lkdtm_do_action")
        self.assertIsNone(bench.function_before("no_such_function", 0x10, syms))

    def test_an_oops_at_a_functions_first_byte_keeps_its_pc(self):
        console = ("pc : lkdtm_BUG+0x0/0x10\n"
                   "Call trace:\n"
                   " lkdtm_BUG+0x0/0x10\n"
                   " lkdtm_do_action+0x18/0x28\n"
                   "Kernel panic - not syncing: Oops: Fatal exception\n")
        self.assertEqual(bench.console_chain(console, self.symbols()),
                         ("lkdtm_BUG", ["lkdtm_BUG", "lkdtm_do_action"]))


class RamoopsBytes(unittest.TestCase):
    def zone(self, used, size):
        # persistent_ram_buffer: sig, start, size (little-endian u32), data.
        return struct.pack("<III", 0x43474244, 0, used) + bytes(size - 12)

    def test_counts_the_used_bytes_of_each_zone_of_the_record_size(self):
        ram = self.zone(700, 1024) + self.zone(0, 1024) + self.zone(300, 1024)
        ram += bytes(bench.RAMOOPS_SIZE - len(ram))
        self.assertEqual(bench.ramoops_bytes(ram, 0, 1024), (1000, 2))
        # Read with 4 KiB zones, the same memory is one zone of 700.
        self.assertEqual(bench.ramoops_bytes(ram, 0, 4096), (700, 1))

    def test_a_size_past_the_zone_is_not_counted(self):
        ram = self.zone(1013, 1024) + bytes(bench.RAMOOPS_SIZE - 1024)
        self.assertEqual(bench.ramoops_bytes(ram, 0, 1024), (0, 0))


class Stats(unittest.TestCase):
    def test_min_median_max_leave_out_missing_runs(self):
        self.assertEqual(bench.stats([5, None, 1, 9, 3, 7]), (1, 5, 9))
        self.assertEqual(bench.stats([None]), (None, None, None))


class Registers(unittest.TestCase):
    def test_register_values_in_a_text_log(self):
        arm = "pc : [<c0370420>]    lr : [<c0370400>]\nr3 : 00000000  r2 : 00000001"
        x86 = "RAX: 0000000000000000 RBX: ffff888003f0a000"
        self.assertEqual({r for r, _ in bench.REG_TEXT.findall(arm)}, {"pc", "lr", "r3", "r2"})
        self.assertEqual({r for r, _ in bench.REG_TEXT.findall(x86)}, {"RAX", "RBX"})


class FlashRace(unittest.TestCase):
    """The flash race's readers of the NOR (lab/bench_flash.py)."""

    def page(self, seq, text, magic=0x5d005e00):
        # struct mtdoops_hdr: seq, magic (u32), ktime (u64); text; erased.
        body = struct.pack("<IIQ", seq, magic, 123) + text.encode()
        return body + b"\xff" * (4096 - len(body))

    def test_mtdoops_records_are_its_pages_of_its_magic(self):
        import bench_flash
        part = (self.page(0, "Oops: lkdtm_BUG") + b"\xff" * 4096 +
                self.page(1, "not mtdoops", magic=0x5d005e01) +
                self.page(2, "Kernel panic"))
        self.assertEqual(bench_flash.mtdoops_text(part),
                         ["Oops: lkdtm_BUG", "Kernel panic"])

    def test_programs_are_the_bytes_left_not_erased(self):
        import bench_flash
        self.assertEqual(bench_flash.changed(b"\xff\x00\xfe\xff\x7f"), 3)
        self.assertEqual(bench_flash.changed(b"\xff" * 64), 0)


class Summary(unittest.TestCase):
    """The README's "where peers win" is counted from the rows, both ways."""

    def row(self, arch="arm", size=1024, lcrt=900, ramoops=800, lcrt_runs=5, ramoops_runs=5,
            lcrt_frames=7, ramoops_frames=7, lcrt_ns=6e6, ramoops_ns=9e6):
        return {"arch": arch, "ramoops_record_size": size, "runs": 5,
                "lcrt_raw_bytes": lcrt, "ramoops_bytes": ramoops,
                "lcrt_culprit_runs": lcrt_runs, "ramoops_culprit_runs": ramoops_runs,
                "lcrt_frames": lcrt_frames, "ramoops_frames": ramoops_frames,
                "lcrt_capture_ns_median": lcrt_ns, "ramoops_dump_ns_median": ramoops_ns}

    def test_ramoops_wins_are_counted_per_cell(self):
        import bench_summary
        rows = [self.row(ramoops=700, ramoops_runs=4),          # smaller, misses
                self.row(ramoops=1200),                          # larger
                self.row(size=4096, ramoops=600),                # not at 1 KiB
                self.row(arch="arm64", ramoops_frames=11, ramoops_ns=5e6),
                self.row(lcrt_runs=3, lcrt_frames=9, ramoops=2000)]
        w = bench_summary.ramoops_wins(rows)
        self.assertEqual((w["cells"], w["cells_1k"]), (5, 4))
        self.assertEqual(w["ramoops_smaller_1k"], 2)
        self.assertEqual(w["ramoops_smaller_1k_no_culprit"], 1)
        self.assertEqual((w["ramoops_misses"], w["lcrt_misses"]), (1, 1))
        self.assertEqual((w["ramoops_more_frames"], w["lcrt_more_frames"]), (1, 1))
        self.assertEqual(w["ramoops_more_frames_boards"], ["arm64"])
        self.assertEqual(w["ramoops_faster"], 1)
        self.assertEqual(w["lcrt_cold_ms"], "6.00-6.00")
        self.assertEqual(w["ramoops_cold_ms"], "5.00-9.00")

    def test_warm_commit_is_the_budgets_range_per_board(self):
        import bench_summary
        warm = [{"arch": "arm", "budget": 1024, "lcrt_notify_ns": 430000},
                {"arch": "arm", "budget": 1024, "lcrt_notify_ns": 510000},
                {"arch": "arm", "budget": 4096, "lcrt_notify_ns": 900000}]
        self.assertEqual(bench_summary.warm_commit(warm), {"arm": "0.43-0.51"})

    def test_mtdoops_wins_and_misses(self):
        import bench_summary
        rows = [{"runs": 5, "lcrt_culprit_runs": 5, "mtdoops_culprit_runs": 0,
                 "lcrt_bytes": 900, "mtdoops_bytes": 4082, "lcrt_programs": 900,
                 "mtdoops_programs": 4500, "lcrt_ns_median": 2, "mtdoops_ns_median": 1},
                {"runs": 5, "lcrt_culprit_runs": 5, "mtdoops_culprit_runs": 5,
                 "lcrt_bytes": 600, "mtdoops_bytes": 4062, "lcrt_programs": 600,
                 "mtdoops_programs": 4200, "lcrt_ns_median": 1, "mtdoops_ns_median": 9}]
        m = bench_summary.mtdoops_wins(rows)
        self.assertEqual((m["mtdoops_misses"], m["lcrt_misses"]), (1, 0))
        self.assertEqual(m["mtdoops_faster"], 1)
        self.assertEqual(m["program_ratio"], "5.0-7.0")
        self.assertEqual(m["mtdoops_bytes"], "4062-4082")


if __name__ == "__main__":
    unittest.main()
