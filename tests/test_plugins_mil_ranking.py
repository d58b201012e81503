"""The first-party plugin vadkit-mil-ranking (Sultani et al.'s deep MIL ranking): installed
and found through its entry point, the loss terms on a hand-made batch, predictions mapped
back to frames, learning from video labels, its config, and one train + test through the
tools on a tiny UCF-Crime-like feature store."""
import importlib.metadata
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from sklearn.metrics import roc_auc_score

from tests.conftest import REPO_ROOT, run_tool
from vadkit import plugins
from vadkit.datasets.video_bags import bag_collate
from vadkit.parsing import FeatureStore

PLUGIN_DIR = osp.join(REPO_ROOT, 'vadkit_plugins', 'vadkit-mil-ranking')
PLUGIN_CONFIG = osp.join(PLUGIN_DIR, 'configs', 'mil_ranking_synthetic.py')


@pytest.fixture(scope='module')
def mil():
    """The plugin's package (installed by tools/misc/install.sh)."""
    try:
        import vadkit_mil_ranking
    except ImportError as exc:
        pytest.fail(f'vadkit-mil-ranking is not installed ({exc}); run tools/misc/install.sh '
                    'or pip install --no-deps --no-build-isolation -e '
                    'vadkit_plugins/vadkit-mil-ranking')
    return vadkit_mil_ranking


def _model(mil, **kwargs):
    torch.manual_seed(0)
    cfg = dict(in_channels=4, hidden_channels=(8, 4), dropout=0.0)
    cfg.update(kwargs)
    return mil.MILRanking(**cfg)


def test_installed_and_found_through_its_entry_point():
    assert importlib.metadata.version('vadkit-mil-ranking') == '0.1.0'
    found = {ep.name: ep for ep in plugins.discover()}
    assert 'mil_ranking' in found, sorted(found)
    assert found['mil_ranking'].module_name == 'vadkit_mil_ranking'
    result = run_tool(['tools/misc/list_plugins.py', '--json'])
    listed = {p['name']: p for p in json.loads(result.stdout)}
    assert listed['mil_ranking'] == dict(
        name='mil_ranking', distribution='vadkit-mil-ranking', version='0.1.0',
        registered=['MODELS:MILRanking'], error=None), result


def test_loss_terms_on_a_hand_made_batch(mil):
    """Two anomalous bags, one normal bag; the last two padded (their last segment is not
    real and must take no part, though the normal one's padded score is its largest)."""
    scores = torch.tensor([[0.2, 0.9, 0.4], [0.7, 0.1, 0.0], [0.3, 0.5, 0.8]],
                          requires_grad=True)
    valid = torch.tensor([[True, True, True], [True, True, False], [True, True, False]])
    labels = torch.tensor([1, 1, 0])
    model = _model(mil, loss_weights=dict(sparsity=0.5, smoothness=0.25))
    losses = model.losses(scores, valid, labels)
    assert set(losses) == {'loss_ranking', 'loss_sparsity', 'loss_smoothness'}
    # bag maxima: 0.9 and 0.7 (anomalous), 0.5 (normal); hinges 1 - 0.9 + 0.5, 1 - 0.7 + 0.5
    assert losses['loss_ranking'].item() == pytest.approx((0.6 + 0.8) / 2)
    # sparsity: sums 1.5 and 0.8 of the anomalous bags' real segments, averaged
    assert losses['loss_sparsity'].item() == pytest.approx(0.5 * (1.5 + 0.8) / 2)
    # smoothness: 0.7^2 + 0.5^2 and 0.6^2 (the padded neighbour left out), averaged
    assert losses['loss_smoothness'].item() == pytest.approx(0.25 * (0.74 + 0.36) / 2)
    # another margin: the first pair's hinge is inactive (0.3 - 0.9 + 0.5 < 0)
    hinge = _model(mil, margin=0.3).losses(scores, valid, labels)['loss_ranking']
    assert hinge.item() == pytest.approx((0.0 + 0.1) / 2)
    # a batch without a pair: 0, still part of the graph
    alone = mil.ranking_hinge_loss(scores[:2], valid[:2], labels[:2])
    assert alone.item() == 0.0 and alone.requires_grad
    alone.backward()
    assert torch.all(scores.grad == 0)
    # defaults: lambda1 = lambda2 = 8e-5, margin 1
    default = _model(mil).losses(scores, valid, labels)
    assert default['loss_sparsity'].item() == pytest.approx(8e-5 * 1.15)
    assert default['loss_ranking'].item() == pytest.approx(0.7)


def test_forward_modes_and_bad_settings(mil):
    x = dict(feature=torch.randn(3, 5, 2, 4), valid=torch.ones(3, 5, dtype=torch.bool),
             video_label=torch.tensor([1, 0, 0]))
    x['valid'][2, 3:] = False
    model = _model(mil).eval()
    scores = model(x)
    assert scores.shape == (3, 5) and torch.all(scores[2, 3:] == 0)
    assert torch.all((scores[:2] > 0) & (scores[:2] < 1))
    # 'mean': the patches' mean; 'whole': patch 0 only
    pooled = dict(x, feature=x['feature'].mean(2, keepdim=True))
    assert torch.allclose(model(pooled), scores, atol=1e-6)
    whole = _model(mil, patch_pool='whole').eval()
    others = x['feature'].clone()
    others[:, :, 1:] = 100.0
    assert torch.allclose(whole(dict(x, feature=others)), whole(x))
    assert not torch.allclose(model(dict(x, feature=others)), scores)
    losses = _model(mil).train()(x, mode='loss')
    sum(losses.values()).backward()
    with pytest.raises(ValueError, match='video_label'):
        model(dict(x, video_label=torch.tensor([1, -1, 0])), mode='loss')
    for bad in (dict(patch_pool='max'), dict(activations=('relu', )), dict(dropout=1.0),
                dict(loss_weights=dict(lambda1=1.0))):
        with pytest.raises(ValueError, match='MILRanking'):
            _model(mil, **bad)
    with pytest.raises(ValueError, match='mode'):
        model(x, mode='scores')


def test_predict_writes_per_frame_scores(mil):
    model = _model(mil).eval()
    rng = np.random.default_rng(0)
    items = [dict(feature=rng.normal(size=(t, 3, 4)).astype(np.float32),
                  spans=np.array([(16 * c, 16 * c + 16) for c in range(t)]) + offset,
                  video_id=f'v{t}', label=-1, num_frames=16 * t + offset + 7)
             for t, offset in ((4, 0), (2, 8))]
    batch = bag_collate(items)
    with torch.no_grad():
        segments = model(batch['inputs'])
    out = model(batch['inputs'], batch['data_samples'], mode='predict')
    for n, (sample, (t, _)) in enumerate(zip(out, ((4, 0), (2, 8)))):
        final = sample.pred_scores.final
        assert final.shape == (16 * t, ) and sample.end - sample.start == 16 * t
        np.testing.assert_allclose(final.numpy(), np.repeat(segments[n, :t].numpy(), 16),
                                   rtol=1e-6)


def _bags(rng, n, direction, length=16, patches=2):
    """Normal bags: noise; anomalous (every other bag): 2-4 consecutive segments shifted
    along ``direction``. Returns (items, per-segment labels)."""
    items, labels = [], []
    for i in range(n):
        x = rng.normal(size=(length, patches, len(direction))).astype(np.float32)
        y = np.zeros(length, int)
        if i % 2 == 0:
            k = int(rng.integers(2, 5))
            start = int(rng.integers(0, length - k + 1))
            y[start:start + k] = 1
            x[start:start + k] += 2.0 * direction.astype(np.float32)
        spans = np.array([(16 * c, 16 * c + 16) for c in range(length)])
        items.append(dict(feature=x, spans=spans, video_id=f'b{i}', label=int(y.any()),
                          num_frames=16 * length))
        labels.append(y)
    return items, labels


@pytest.fixture
def one_thread():
    """Small tensors train faster on one thread than on contended cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_it_learns_from_video_labels(mil, one_thread):
    rng = np.random.default_rng(0)
    direction = rng.normal(size=8)
    direction /= np.linalg.norm(direction)
    train, _ = _bags(rng, 40, direction)
    test, test_labels = _bags(rng, 20, direction)
    torch.manual_seed(0)
    model = mil.MILRanking(in_channels=8, hidden_channels=(32, 16), dropout=0.0)
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    order = np.random.default_rng(1)
    model.train()
    for _ in range(25):
        for idx in order.permutation(40).reshape(-1, 8):
            batch = bag_collate([train[i] for i in idx])
            loss = sum(model(batch['inputs'], mode='loss').values())
            optim.zero_grad()
            loss.backward()
            optim.step()
    model.eval()
    with torch.no_grad():
        scores = model(bag_collate(test)['inputs'])
    auc = roc_auc_score(np.concatenate(test_labels), scores.numpy().reshape(-1))
    assert auc > 0.85, auc


def test_input_norm_is_fitted_by_prepare(mil):
    rng = np.random.default_rng(0)

    class Bags:

        def __init__(self):
            self.items = [dict(video_id=f'v{i}', feature=(3 + 2 * rng.normal(
                size=(5, 2, 4))).astype(np.float32)) for i in range(6)]

        def __len__(self):
            return len(self.items)

        def get_data_info(self, i):
            return self.items[i]

    data = Bags()
    model = _model(mil, input_norm='zscore')
    assert not bool(model.norm.fitted)
    model.prepare(data)
    every = np.concatenate([d['feature'].reshape(-1, 4) for d in data.items])
    np.testing.assert_allclose(model.norm.mean.numpy(), every.mean(0), rtol=1e-5)
    np.testing.assert_allclose(model.norm.std.numpy(), every.std(0), rtol=1e-4)
    assert 'norm.mean' in model.state_dict()
    with pytest.raises(ValueError, match='video v0'):
        _model(mil, in_channels=3, input_norm='zscore').prepare(data)


def test_config_builds(mil):
    from vadkit.registry import MODELS
    from vadkit.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(PLUGIN_CONFIG)
    assert cfg.default_scope == 'vadkit' and 'checkpoint' in cfg.default_hooks  # the base
    assert cfg.train_dataloader.dataset.num_segments == 32
    assert cfg.train_dataloader.dataset.videos.regime == 'weak'
    assert cfg.optim_wrapper.optimizer.type == 'Adagrad'
    model = MODELS.build(cfg.model)
    assert isinstance(model, mil.MILRanking) and model.norm is not None
    assert [m.out_features for m in model.scorer if isinstance(m, torch.nn.Linear)] == [
        512, 32, 1]


TRAIN_VIDEOS = [('Abuse', 'Abuse001_x264'), ('Arrest', 'Arrest001_x264'),
                ('Arson', 'Arson001_x264'),
                ('Training_Normal_Videos_Anomaly', 'Normal_Videos001_x264'),
                ('Training_Normal_Videos_Anomaly', 'Normal_Videos002_x264'),
                ('Training_Normal_Videos_Anomaly', 'Normal_Videos003_x264')]
# video, class, anomalous segments [first, last) (the annotation: 1-based inclusive frames)
TEST_VIDEOS = [('Abuse028_x264', 'Abuse', (4, 7)), ('Burglary005_x264', 'Burglary', (2, 4)),
               ('Normal_Videos_003_x264', 'Normal', None),
               ('Normal_Videos_006_x264', 'Normal', None)]


def _ucf_like_store(root, rng):
    """A tiny feature store of UCF-Crime-named videos (12 segments of 16 frames, 14
    patches of 25 values), the anomalous segments shifted; the training list and the
    temporal annotation of its videos."""
    store = FeatureStore(str(root / 'store'), dict(hand_made=True))
    store.create()
    direction = rng.normal(size=25).astype(np.float32)
    direction /= np.linalg.norm(direction)

    def write(video, anomalous):
        clips = rng.normal(size=(12, 14, 25)).astype(np.float32)
        if anomalous is not None:
            clips[anomalous[0]:anomalous[1]] += 3.0 * direction
        spans = np.array([(16 * c, 16 * c + 16) for c in range(12)], np.int64)
        store.write(video, dict(clips=clips, clip_spans=spans), dict(num_frames=200))

    for i, (folder, video) in enumerate(TRAIN_VIDEOS):
        write(video, (3 + i, 6 + i) if 'Normal' not in folder else None)
    rows = []
    for video, cls, seg in TEST_VIDEOS:
        write(video, seg)
        s1, e1 = (16 * seg[0] + 1, 16 * seg[1]) if seg else (-1, -1)
        rows.append(f'{video}.mp4  {cls}  {s1}  {e1}  -1  -1\n')
    (root / 'Anomaly_Train.txt').write_text(
        ''.join(f'{folder}/{video}.mp4\n' for folder, video in TRAIN_VIDEOS))
    (root / 'Temporal_Anomaly_Annotation.txt').write_text(''.join(rows))
    return store.root


def test_train_and_test_through_the_tools(mil, tmp_path):
    store = _ucf_like_store(tmp_path, np.random.default_rng(0))
    lists = dict(train_list=str(tmp_path / 'Anomaly_Train.txt'),
                 annotation=str(tmp_path / 'Temporal_Anomaly_Annotation.txt'))
    config = tmp_path / 'mil_ranking_tiny.py'
    config.write_text(
        f'_base_ = [{PLUGIN_CONFIG!r}]\n'
        f'lists = {lists!r}\n'
        'train_dataloader = dict(batch_size=6, dataset=dict(\n'
        f'    _delete_=True, type="VideoBagDataset", feature_root={store!r}, split="train",\n'
        '    num_segments=32, videos=dict(type="UCFCrimeSplit", split="train", **lists)))\n'
        'test_dataloader = dict(dataset=dict(\n'
        f'    _delete_=True, type="VideoBagDataset", feature_root={store!r}, split="test",\n'
        '    videos=dict(type="UCFCrimeSplit", split="test", **lists)))\n'
        'train_cfg = dict(max_epochs=2)\n')
    work_dir = tmp_path / 'work'
    train = run_tool(['tools/train.py', str(config), '--work-dir', str(work_dir)])
    assert train.returncode == 0, train
    assert osp.isfile(work_dir / 'epoch_2.pth'), sorted(p.name for p in work_dir.iterdir())
    test = run_tool(['tools/test.py', str(config), str(work_dir), '--work-dir', str(work_dir)])
    assert test.returncode == 0, test
    metrics = json.loads((work_dir / 'metrics.json').read_text())
    assert 0.0 <= metrics['micro_auc'] <= 1.0 and 'ap' in metrics, metrics
