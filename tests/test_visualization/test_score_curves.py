"""plot_score_curves: one PNG per video, titled with the video's AUC and how it came."""
import matplotlib
import numpy as np

from vadkit.visualization import plot_score_curves

matplotlib.use('Agg')


def test_titles_say_when_the_auc_comes_from_padding(tmp_path, monkeypatch):
    from matplotlib.axes import Axes
    titles = []
    original = Axes.set_title
    monkeypatch.setattr(Axes, 'set_title',
                        lambda ax, text, *a, **k: titles.append(text) or original(ax, text))
    scores = {'a': np.linspace(0, 1, 20), 'b': np.zeros(10)}
    labels = {'a': (np.arange(20) >= 15).astype(int), 'b': np.zeros(10, int)}
    per_video = {'a': dict(auc=1.0, single_class=False), 'b': dict(auc=1.0, single_class=True)}
    written = plot_score_curves(scores, str(tmp_path), labels=labels, per_video=per_video)
    assert sorted(written) == ['a', 'b']
    assert all((tmp_path / f'{v}.png').stat().st_size > 1000 for v in written)
    assert titles == ['video a   AUC 1.000', 'video b   AUC 1.000 (one class: padded)']
