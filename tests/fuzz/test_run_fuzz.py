"""Tests of run_fuzz.py's pure parts: python3 -m unittest discover -s tests/fuzz"""
import tempfile
import unittest
from pathlib import Path

import run_fuzz


class ParseStatsTests(unittest.TestCase):
    def test_key_value_lines_parsed(self):
        stats = run_fuzz.parse_stats("start_time        : 1\nexecs_done        : 12345\ncommand_line      : afl-fuzz -i a:b\n")
        self.assertEqual(stats["execs_done"], "12345")
        self.assertEqual(stats["command_line"], "afl-fuzz -i a:b")

    def test_lines_without_colon_ignored(self):
        self.assertEqual(run_fuzz.parse_stats("garbage\n"), {})


class CrashFilesTests(unittest.TestCase):
    def test_only_id_files_are_crashes(self):
        with tempfile.TemporaryDirectory() as d:
            directory = Path(d)
            (directory / "README.txt").write_text("x")
            (directory / "id:000000,sig:06").write_bytes(b"x")
            self.assertEqual([p.name for p in run_fuzz.crash_files(directory)], ["id:000000,sig:06"])

    def test_missing_directory_no_crashes(self):
        self.assertEqual(run_fuzz.crash_files(Path("/nonexistent/crashes")), [])


if __name__ == "__main__":
    unittest.main()
