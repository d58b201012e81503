"""Scene pseudo-labels: DBSCAN over projected scene features, nearest-core predict."""
import numpy as np
import pytest
import torch

from vadkit.models import SceneClusterer
from vadkit.registry import MODELS


def scenes(per_scene=40, dim=64, seed=0, centres=3):
    """Clips of ``centres`` cameras: unit scene vectors around distinct directions."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(centres, dim))
    x = np.concatenate([b + 0.05 * rng.normal(size=(per_scene, dim)) for b in base])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, np.repeat(np.arange(centres), per_scene)


def same_partition(a, b) -> bool:
    """Equal up to renaming the labels."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize('projection, eps', [(None, 0.3), ('pca', 0.3), ('tsne', 4.63)])
def test_three_cameras_give_three_scenes(projection, eps):
    x, truth = scenes()
    clusterer = SceneClusterer(projection=projection, eps=eps)
    labels = clusterer.fit(x)
    assert int(clusterer.num_scenes) == 3 and same_partition(labels, truth)
    # unseen clips of each camera get their camera's training label
    new, new_truth = scenes(per_scene=5, seed=0)
    new = new + 0.01 * np.random.default_rng(9).normal(size=new.shape)
    predicted = clusterer.predict(new)
    mapping = {t: labels[truth == t][0] for t in range(3)}
    np.testing.assert_array_equal(predicted, [mapping[t] for t in new_truth])


def test_noise_clips_join_the_nearest_scene_or_their_own():
    x, truth = scenes(per_scene=30)
    odd = np.zeros((1, 64))
    odd[0, 0] = 1.0  # far from every camera
    data = np.concatenate([x, odd])
    nearest = SceneClusterer(projection=None, eps=0.3).fit(data)
    assert nearest.max() == 2
    separate = SceneClusterer(projection=None, eps=0.3, noise='separate')
    labels = separate.fit(data)
    assert labels[-1] == 3 and int(separate.num_scenes) == 4
    assert separate.predict(odd)[0] == 3


def test_one_camera_is_one_scene_and_too_few_clips_warn():
    x, _ = scenes(centres=1)
    assert set(SceneClusterer(projection=None, eps=0.3).fit(x).tolist()) == {0}
    with pytest.warns(UserWarning, match='found no cluster'):
        labels = SceneClusterer(projection=None, eps=0.3, min_samples=10).fit(x[:3])
    assert labels.tolist() == [0, 0, 0]


def test_the_fitted_state_is_saved_with_the_model():
    x, _ = scenes()
    fitted = MODELS.build(dict(type='SceneClusterer', projection='pca', eps=0.3))
    fitted.fit(x)
    fresh = SceneClusterer(projection='pca', eps=0.3)
    assert not fresh.fitted
    with pytest.raises(RuntimeError, match='before fit'):
        fresh.predict(x)
    fresh.load_state_dict(fitted.state_dict())
    assert fresh.fitted and torch.equal(fresh.core_labels, fitted.core_labels)
    np.testing.assert_array_equal(fresh.predict(x), fitted.predict(x))
    with pytest.raises(ValueError, match=r'\[M, 64\]'):
        fresh.predict(x[:, :10])
    for kwargs, name in ((dict(projection='umap'), 'projection'), (dict(noise='drop'), 'noise'),
                         (dict(eps=0), 'eps')):
        with pytest.raises(ValueError, match=name):
            SceneClusterer(**kwargs)
