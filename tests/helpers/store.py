"""Hand-made feature stores of object clips, with every value known to the tests."""
from typing import Dict, Sequence, Tuple

import numpy as np

from vadkit.parsing import FeatureStore

#: An object clip of a hand-made video: (clip index, track id, label index, motion valid).
Object = Tuple[int, int, int, int]


def write_object_store(root: str, videos: Dict[str, Tuple[int, Sequence[Object]]],
                       app_dim: int = 6, mot_dim: int = 4, scene_dim: int = 3,
                       clip_len: int = 16, scene_of=None, seed: int = 0) -> FeatureStore:
    """Write ``{video: (num_clips, objects)}`` into a store at ``root``.

    Object ``k`` of a video gets appearance ``[v, k, 0, ...]`` plus noise (``v`` the
    video's position), motion zeros where not valid, action ``label + 1``; clip ``c`` the
    scene feature ``scene_of(video, c)`` (default: one-hot of the video's position mod
    ``scene_dim``).
    """
    rng = np.random.default_rng(seed)
    store = FeatureStore(root, dict(hand_made=True))
    store.create()
    for v, (video, (num_clips, objects)) in enumerate(videos.items()):
        index = np.array([(c, c * clip_len, (c + 1) * clip_len, t, lab, valid)
                          for c, t, lab, valid in objects], np.int64).reshape(-1, 6)
        n = len(index)
        app = rng.normal(0, 0.01, (n, app_dim)).astype(np.float32)
        app[:, 0] += v
        app[:, 1] += np.arange(n)
        mot = rng.normal(0, 1, (n, mot_dim)).astype(np.float32) * index[:, 5:6]
        if scene_of is None:
            scene = np.zeros((num_clips, scene_dim), np.float32)
            scene[:, v % scene_dim] = 1.0
        else:
            scene = np.array([scene_of(video, c) for c in range(num_clips)], np.float32)
        arrays = dict(objects_index=index, objects_appearance=app, objects_motion=mot,
                      objects_action=(index[:, 4] + 1).astype(np.int64), scene=scene,
                      clip_spans=np.array([(c * clip_len, (c + 1) * clip_len)
                                           for c in range(num_clips)], np.int64))
        store.write(video, arrays, dict(num_frames=num_clips * clip_len + 5,
                                        labels=['person', 'vehicle'],
                                        actions=['walk', 'run', 'ride'],
                                        counts=dict(objects=n, clips=num_clips)))
    store.write_index()
    return store
