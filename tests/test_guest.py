"""The lab's QEMU runner (lab/guest.py run_until), on plain processes: a
power cut is a SIGKILL as soon as the console says so, and only then."""
import time
import unittest

import labtest  # noqa: F401  (puts lab/ on the path)
import guest


class RunUntil(unittest.TestCase):
    def test_killed_as_soon_as_the_console_says_so(self):
        t0 = time.time()
        out, rc = guest.run_until(
            ["sh", "-c", "echo begin; echo 'lcrt_test: power cut'; sleep 30; echo after"],
            timeout=60, kill_on=(r"lcrt_test: power cut",))
        self.assertLess(time.time() - t0, 10)
        self.assertIn("begin", out)
        self.assertIn("lcrt_test: power cut", out)
        self.assertNotIn("after", out)
        self.assertEqual(rc, -9)

    def test_runs_to_its_end_when_nothing_matches(self):
        out, rc = guest.run_until(["sh", "-c", "echo one; echo two >&2; exit 3"],
                                  timeout=60, kill_on=(r"never",))
        self.assertEqual((out.split(), rc), (["one", "two"], 3))

    def test_a_timeout_says_so(self):
        out, rc = guest.run_until(["sh", "-c", "echo slow; sleep 30"], timeout=1,
                                  kill_on=(r"never",))
        self.assertIn("slow", out)
        self.assertIn("@@LAB-TIMEOUT", out)
        self.assertEqual(rc, -1)

    def test_without_a_pattern_the_process_is_waited_for(self):
        out, rc = guest.run_until(["sh", "-c", "echo done"], timeout=60)
        self.assertEqual((out.strip(), rc), ("done", 0))


if __name__ == "__main__":
    unittest.main()
