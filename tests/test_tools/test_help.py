"""Every command-line tool answers --help with its usage, without touching any data."""
import glob
import os.path as osp

import pytest

from tests.conftest import REPO_ROOT, run_tool

TOOLS = sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'tools', '**', '*.py'), recursive=True)
    if "__name__ == '__main__'" in open(p, encoding='utf-8').read())


def test_the_tools_are_found():
    assert 'tools/train.py' in TOOLS and 'tools/analysis/show_memory.py' in TOOLS
    assert len(TOOLS) >= 15


@pytest.mark.parametrize('tool', TOOLS)
def test_help(tool):
    result = run_tool([tool, '--help'], timeout=120)
    assert result.returncode == 0, result
    assert result.stdout.startswith('usage: '), result
    assert 'Traceback' not in result.stderr, result
