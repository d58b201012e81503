"""Train + test runs through the tools, as a user runs them, cached per test module."""
import json
import os.path as osp
from typing import Callable

from tests.conftest import run_tool


def tool_runs(root) -> Callable[..., dict]:
    """``run(config, seed, *cfg_options)``: ``tools/train.py`` then ``tools/test.py`` with
    ``data_root`` / ``feature_root`` under ``root`` (so the first run builds them), the
    test's ``metrics.json`` returned; each (config, seed, options) runs once. The result
    has ``run.root``."""
    folders = [f'data_root={root}/world', f'feature_root={root}/features']
    cache = {}

    def run(config: str, seed: int, *options: str) -> dict:
        key = (config, seed, options)
        if key not in cache:
            work = str(root / f'{osp.basename(config)[:-3]}_{seed}_{len(cache)}')
            opts = ['--cfg-options', *folders, f'randomness.seed={seed}', *options]
            result = run_tool(['tools/train.py', config, '--work-dir', work, *opts],
                              timeout=900)
            assert result.returncode == 0, result
            result = run_tool(['tools/test.py', config, work, '--work-dir', work, *opts],
                              timeout=300)
            assert result.returncode == 0, result
            with open(osp.join(work, 'metrics.json')) as f:
                cache[key] = dict(json.load(f), log=result.stdout)
        return cache[key]

    run.root = root
    return run
