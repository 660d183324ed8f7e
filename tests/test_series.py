"""The quilt series: generated, in sync, one series for both vendor
kernels, clean for checkpatch and sparse."""
import re
import subprocess
import unittest
from pathlib import Path

from labtest import ROOT, boards, kernels, series, tmpdir


class Series(unittest.TestCase):
    def test_patches_are_in_sync_with_the_sources(self):
        self.assertEqual(series.series_in_sync(kernels.pristine_trees()), [])

    def test_one_series_applies_to_both_pristine_trees_without_fuzz(self):
        for kv in boards.KVERS:
            with self.subTest(kver=kv):
                pristine = kernels.pristine_tree(kv)
                with tmpdir() as tmp:
                    tree = Path(tmp) / "linux"
                    # A hard-linked copy: patch replaces files, never writes
                    # in place.
                    subprocess.run(["cp", "-al", pristine, tree], check=True)
                    out = series.apply_series(tree)
                    self.assertIn("Now at patch", out)
                    self.assertNotIn("fuzz", out)
                    self.assertTrue((tree / "drivers/misc/lcrt/core.c").exists())
                    self.assertIn('source "drivers/misc/lcrt/Kconfig"',
                                  (tree / "drivers/misc/Kconfig").read_text())
                self.assertFalse((pristine / "drivers/misc/lcrt").exists())

    def test_one_patch_per_job_and_each_prefix_names_only_its_objects(self):
        names = (ROOT / "series").read_text().split()
        self.assertGreaterEqual(len(names), 7)
        seen = set()
        for name in names:
            text = (ROOT / "patches" / name).read_text()
            seen |= {p.split("/")[-1][:-2] for p in
                     re.findall(r"^\+\+\+ b/(\S+\.c)$", text, re.M)}
            for obj in re.findall(r"^\+lcrt-\S+\s+[:+]= ([\w-]+)\.o", text,
                                  re.M):
                self.assertIn(obj, seen, f"{name} builds {obj}.o before its source")

    def test_a_makefile_line_of_per_object_flags_comes_with_its_object(self):
        text = ("lcrt-y\t+= a.o\nlcrt-y\t+= arch-$(SRCARCH).o\n"
                "CFLAGS_arch-x86.o += -DX\nCFLAGS_REMOVE_b.o += -pg\n")
        self.assertEqual(series._makefile_for(text, {"a"}),
                         "lcrt-y\t:= a.o\n")
        self.assertEqual(series._makefile_for(text, {"a", "arch-x86", "b"}),
                         text.replace("+=", ":=", 1))

    def test_checkpatch_strict_is_clean(self):
        res = series.checkpatch(kernels.patched_tree("6.1"))
        self.assertEqual(len(res), len((ROOT / "series").read_text().split()))
        for name, problems in res.items():
            self.assertEqual(problems, "", name)


class Sparse(unittest.TestCase):
    def test_sparse_and_gcc_are_clean_on_both_kernels(self):
        import lab
        for kv in boards.KVERS:
            with self.subTest(kver=kv):
                checked, warnings = lab.sparse(boards.board("arm"), kv)
                self.assertIn("core.c", checked)
                self.assertIn("store.c", checked)
                self.assertEqual(warnings, [])


if __name__ == "__main__":
    unittest.main()
