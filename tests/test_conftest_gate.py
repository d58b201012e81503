"""The real-data gate skips outside CI and fails inside it."""

INNER = '''
from tests.conftest import require_shared_data

def test_needs_data():
    require_shared_data('no_such_dataset_here')
'''


def _run(pytester, monkeypatch, ci):
    from tests.conftest import REPO_ROOT
    monkeypatch.setenv('CI', ci)
    monkeypatch.syspath_prepend(REPO_ROOT)
    pytester.makepyfile(INNER)
    return pytester.runpytest_inprocess('-p', 'no:cacheprovider')


def test_skips_outside_ci(pytester, monkeypatch):
    _run(pytester, monkeypatch, 'false').assert_outcomes(skipped=1)


def test_fails_in_ci(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, 'true')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['*CI=true: real-data tests must run in CI*'])


def test_real_data_is_read(shared_data):
    """UCSD Ped2's training set: 16 videos, 2,550 frames (../shared/data/README.md)."""
    import os
    root = shared_data('ped2', 'training', 'frames')
    videos = sorted(os.listdir(root))
    assert len(videos) == 16
    assert sum(len(os.listdir(os.path.join(root, v))) for v in videos) == 2550
