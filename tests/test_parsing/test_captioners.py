"""Captioners: colour names, the generated world's ground truth, caption files, CLIP's
template filling (with a stub encoder) and its missing-package errors."""
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT
from vadkit.models.components.text_vocab import WordVocabulary, split_words
from vadkit.parsing.captioners import (COLOURS, CLIPTemplateCaptioner, FileCaptioner,
                                       SyntheticCaptioner, TransformersCLIPEncoder,
                                       colour_name, words_config_path)
from vadkit.parsing.captioners.synthetic import PAINT_WORDS, SHIRT_WORDS
from vadkit.registry import CAPTIONERS
from vadkit.utils.errors import ConfigError, DataError

WORDS = Config.fromfile(osp.join(REPO_ROOT, 'configs', '_base_', 'captions', 'words_en.py'))
#: The world of the captioning tests: a walkway where a car drives through (an anomaly
#: there), a road with walkers, cyclists, a car and a person who falls.
WORLD = dict(width=320, height=240, train_videos=1, test_videos=1, num_frames=(48, 48),
             anomaly_rate=1.0, anomaly_behaviours=('drive', 'fall'), extra_normal_rate=1.0)
WORLD_SEED = 5
#: Added to the tracker's ids in the test store: they are not the world's track ids.
ID_OFFSET = 100


def vocabulary() -> WordVocabulary:
    return WordVocabulary(WORDS.caption_words, WORDS.caption_templates, WORDS.caption_subjects)


def unknown_words(sentences):
    vocab = vocabulary()
    return sorted({w for s in sentences for w in split_words(s) if w not in vocab.vocab})


def write_caption_world(root: str) -> str:
    """Generate the captioning world (:data:`WORLD`) into ``root``."""
    from vadkit.datasets.synthetic import world_config, write_world
    write_world(root, world_config('tiny', **WORLD), seed=WORLD_SEED, progress=False)
    return root


def parse_tube_store(world: str, out: str, crop_size: int = 16, id_offset: int = 0,
                     stride: int = 4):
    """Parse every video of ``world`` with the oracle detector and tracker and a tube
    builder into a feature store at ``out``; the tracker's ids (``tracks``,
    ``tube_members``) are shifted by ``id_offset``."""
    from vadkit.parsing import FeatureStore, VideoInfo, VideoParser, VideoSource
    parser = VideoParser(detector=dict(type='OracleDetector'),
                         tracker=dict(type='OracleTracker'),
                         tube_builder=dict(type='ObjectTubeBuilder', crop_size=crop_size,
                                           stride=stride))
    store = FeatureStore(out, dict(test='captioners', offset=id_offset))
    store.create()
    for folder in ('training', 'testing'):
        for video in sorted(os.listdir(osp.join(world, folder, 'frames'))):
            with open(osp.join(world, 'annotations', f'{video}.json')) as f:
                annotation = json.load(f)
            frames = list(VideoSource(osp.join(world, folder, 'frames', video)))
            arrays, meta = parser.parse(frames, VideoInfo(video, len(frames), 320, 240, 25.0,
                                                          annotation))
            arrays['tracks'][:, 1] += id_offset
            members = arrays['tube_members']
            members[members >= 0] += id_offset
            store.write(video, arrays, meta)
    store.write_index()
    return store


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('caption_world'))
    write_caption_world(root)
    store = parse_tube_store(root, str(tmp_path_factory.mktemp('caption_store')),
                             id_offset=ID_OFFSET)
    return dict(root=root, store=store)


# --- colour names ------------------------------------------------------------------------

@pytest.mark.parametrize('bgr, name', [
    ((0, 0, 255), 'red'), ((0, 0, 139), 'red'), ((0, 165, 255), 'orange'),
    ((0, 255, 255), 'yellow'), ((0, 128, 128), 'yellow'), ((0, 128, 0), 'green'),
    ((50, 205, 50), 'green'), ((255, 0, 0), 'blue'), ((235, 206, 135), 'blue'),
    ((128, 0, 128), 'purple'), ((92, 68, 117), 'purple'), ((203, 192, 255), 'pink'),
    ((180, 105, 255), 'pink'), ((19, 69, 139), 'brown'), ((44, 67, 83), 'brown'),
    ((0, 0, 0), 'black'), ((30, 0, 40), 'black'), ((60, 60, 60), 'black'),
    ((128, 128, 128), 'grey'), ((119, 102, 109), 'grey'), ((255, 255, 255), 'white'),
    ((225, 230, 228), 'white')])
def test_colour_names_of_hand_picked_colours(bgr, name):
    assert colour_name(bgr) == name


def test_colour_name_rejects_bad_input_and_has_a_phrase_per_colour():
    with pytest.raises(ValueError, match=r'\(b, g, r\)'):
        colour_name((1, 2))
    assert set(COLOURS) == {colour_name(c) for c in [
        (0, 0, 255), (0, 165, 255), (0, 255, 255), (0, 128, 0), (255, 0, 0), (128, 0, 128),
        (203, 192, 255), (19, 69, 139), (0, 0, 0), (255, 255, 255), (128, 128, 128)]}
    for colour in COLOURS:
        assert SHIRT_WORDS[colour] in WORDS.caption_words['clothes'], colour
        assert PAINT_WORDS[colour] in WORDS.caption_words['clothes'], colour
    assert SHIRT_WORDS['orange'] == 'an orange shirt'


# --- SyntheticCaptioner on a hand-made annotation -----------------------------------------

def _track(track_id, category, behaviour, first, boxes, anomalous=None, **colors):
    boxes = [list(map(float, b)) for b in boxes]
    return dict(track_id=track_id, category=category, behaviour=behaviour, first_frame=first,
                num_frames=len(boxes), boxes=boxes,
                anomalous=anomalous if anomalous is not None else [0] * len(boxes),
                colors={k: list(v) for k, v in colors.items()})


def _write_annotation(root, video, kind, tracks):
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    ann = dict(video=video, scene_id=f's00_{kind}', scene_kind=kind, num_frames=20, label=1,
               tracks=tracks, anomalous_regions=[])
    with open(osp.join(root, 'annotations', f'{video}.json'), 'w') as f:
        json.dump(ann, f)


# frames 10 and 11; world ids 0..4; the tracker calls them 70..74
WALKER = _track(0, 'person', 'walk', 10, [[10, 10, 20, 40]] * 2, shirt=(0, 0, 230))
FALLER = _track(1, 'person', 'fall', 10, [[100, 10, 110, 40]] * 2, anomalous=[0, 1],
                shirt=(200, 60, 20))
CAR = _track(2, 'car', 'drive', 10, [[200, 100, 260, 130]] * 2, body=(230, 120, 30))
CYCLIST = _track(3, 'cyclist', 'ride', 10, [[10, 150, 40, 200]] * 2, shirt=(30, 160, 30),
                 body=(0, 0, 0))
PUSHER = _track(4, 'cart', 'push', 10, [[35, 160, 55, 190]] * 2, shirt=(255, 255, 255),
                body=(90, 90, 90))


def _tube(frame, square, count=1):
    return [frame, *square, count]


def _tracks_rows(frame, pairs):
    return [[frame, tid, 0, *box, 1.0] for tid, box in pairs]


@pytest.fixture
def plaza(tmp_path):
    _write_annotation(str(tmp_path), 'v1', 'plaza', [WALKER, FALLER, CAR, CYCLIST, PUSHER])
    return str(tmp_path)


def test_synthetic_captioner_sentences_of_hand_made_tubes(plaza):
    captioner = SyntheticCaptioner(plaza)
    assert captioner.kinds == ('actions', 'clothes', 'places', 'objects')
    tubes = np.array([_tube(10, [0, 0, 30, 50]),                 # the walker
                      _tube(10, [90, 0, 120, 50]),               # the faller, not yet falling
                      _tube(11, [90, 0, 120, 50]),               # ... falling
                      _tube(11, [190, 80, 270, 150]),            # the car
                      _tube(11, [0, 140, 60, 210], 2),           # cyclist + cart pusher
                      _tube(11, [280, 0, 300, 20])], np.float32)  # nothing there
    members = np.array([[70, -1], [71, -1], [71, -1], [72, -1], [73, 74], [75, -1]])
    rows = (_tracks_rows(10, [(70, WALKER['boxes'][0]), (71, FALLER['boxes'][0])])
            + _tracks_rows(11, [(71, FALLER['boxes'][1]), (72, [201, 99, 259, 131]),
                                (73, CYCLIST['boxes'][1]), (74, PUSHER['boxes'][1]),
                                (75, [282, 2, 298, 18])]))
    expected = [
        ['a person is walking', 'a person in a red shirt', 'a person is in a square',
         'there is a bench'],
        ['a person is walking', 'a person in a blue shirt', 'a person is in a square',
         'there is a bench'],
        ['a person is falling', 'a person in a blue shirt', 'a person is in a square',
         'there is a bench'],
        ['a car is driving', 'a car in blue', 'a car is in a square', 'there is a bench'],
        ['a person is riding a bicycle', 'a person in a green shirt', 'a person is in a square',
         'there is a cart'],
        ['a object is standing', 'a object in dark clothes', 'a object is in a square',
         'there is a bench']]
    for tracks in (np.array(rows, np.float32), None):  # member boxes, or the squares
        out = captioner.caption_video('v1', tubes, members, tracks=tracks)
        assert [[s[k] for k in captioner.kinds] for s in out] == expected
    assert unknown_words(s for caption in out for s in caption.values()) == []


def test_synthetic_captioner_largest_box_is_the_subject(plaza):
    captioner = SyntheticCaptioner(plaza, place_words=dict(plaza='a park'),
                                   prop_words=dict(plaza='a tree'))
    # the cyclist's region holds the car (bigger) when the car's box is in it
    both = np.array([_tube(11, [0, 90, 270, 210], 2)], np.float32)
    rows = np.array(_tracks_rows(11, [(5, CYCLIST['boxes'][1]), (6, CAR['boxes'][1])]),
                    np.float32)
    out = captioner.caption_video('v1', both, np.array([[5, 6]]), tracks=rows)[0]
    assert out == dict(actions='a car is driving', clothes='a car in blue',
                       places='a car is in a park', objects='there is a bicycle')


def test_synthetic_captioner_errors(plaza, tmp_path):
    captioner = SyntheticCaptioner(plaza)
    tube = np.array([_tube(10, [0, 0, 30, 50])], np.float32)
    with pytest.raises(DataError) as info:
        captioner.caption_video('v9', tube, np.array([[1]]))
    assert 'video v9' in str(info.value) and osp.join(plaza, 'annotations', 'v9.json') in \
        str(info.value)
    old = dict(WALKER)
    del old['colors']
    _write_annotation(str(tmp_path / 'old'), 'v2', 'walkway', [old])
    with pytest.raises(DataError, match=r'v2\.json \(video v2\): track 0 has no colors\.shirt'):
        SyntheticCaptioner(str(tmp_path / 'old')).caption_video('v2', tube, np.array([[1]]))
    _write_annotation(str(tmp_path / 'odd'), 'v3', 'beach', [WALKER])
    with pytest.raises(DataError, match="scene_kind 'beach'"):
        SyntheticCaptioner(str(tmp_path / 'odd')).caption_video('v3', tube, np.array([[1]]))
    with pytest.raises(ConfigError, match=r"action_words\['walk'\] = 'strolling' is not an "
                       r"entry of the 'actions' word list"):
        SyntheticCaptioner(plaza, action_words=dict(walk='strolling'))
    with pytest.raises(ConfigError, match="subject 'lorry'"):
        SyntheticCaptioner(plaza, subject_words=dict(car='lorry'))
    with pytest.raises(DataError, match=r'tubes must be float\[M, 6\]'):
        captioner.caption_video('v1', np.zeros((2, 5)), np.zeros((2, 1)))


def test_synthetic_captioner_defaults_come_from_the_shipped_lists(plaza):
    captioner = SyntheticCaptioner(plaza)
    assert words_config_path() == osp.join(REPO_ROOT, 'configs', '_base_', 'captions',
                                           'words_en.py')
    assert captioner.templates == dict(WORDS.caption_templates)
    assert captioner.words == {k: list(v) for k, v in WORDS.caption_words.items()}
    built = CAPTIONERS.build(dict(type='SyntheticCaptioner', data_root=plaza))
    assert isinstance(built, SyntheticCaptioner)


# --- SyntheticCaptioner on the generated world --------------------------------------------

def test_synthetic_captioner_on_the_generated_world(world):
    store, root = world['store'], world['root']
    captioner = SyntheticCaptioner(root)
    found = dict(walk=0, drive=0, walking_faller=0, falling=0, bicycle_near=0)
    sentences = []
    for video in store.videos():
        with open(osp.join(root, 'annotations', f'{video}.json')) as f:
            ann = json.load(f)
        by_id = {t['track_id']: t for t in ann['tracks']}
        arrays = store.read(video)
        out = captioner.caption_video(video, arrays['tubes'], arrays['tube_members'],
                                      tracks=arrays['tracks'])
        assert len(out) == len(arrays['tubes'])
        place = dict(walkway='a walkway', road='a road')[ann['scene_kind']]
        for tube, ids, caption in zip(arrays['tubes'], arrays['tube_members'], out):
            sentences += caption.values()
            assert caption['places'].endswith(f' is in {place}')
            # the subject: the member whose world box is the largest at the end frame
            # (the oracle tracker kept the world's ids, shifted in the store)
            frame = int(tube[0])
            tracks = [by_id[int(i) - ID_OFFSET] for i in ids[ids >= 0]]
            areas = [np.prod(np.diff(np.reshape(t['boxes'][frame - t['first_frame']],
                                                (2, 2)), axis=0)) for t in tracks]
            track = tracks[int(np.argmax(areas))]
            row = frame - track['first_frame']
            if track['behaviour'] == 'walk':
                found['walk'] += 1
                assert caption['actions'] == 'a person is walking'
                shirt = SHIRT_WORDS[colour_name(track['colors']['shirt'])]
                assert caption['clothes'] == f'a person in {shirt}'
            elif track['behaviour'] == 'drive':
                found['drive'] += 1
                assert caption['actions'] == 'a car is driving'
                assert caption['clothes'] == f'a car in {colour_name(track["colors"]["body"])}'
            elif track['behaviour'] == 'fall':
                key = 'falling' if track['anomalous'][row] else 'walking_faller'
                found[key] += 1
                assert caption['actions'] == f'a person is {key.split("_")[0]}'
            if any(t['category'] == 'cyclist' for t in tracks if t is not track):
                found['bicycle_near'] += 1
                assert caption['objects'] == 'there is a bicycle'
    # (the faller of this world is never the largest member while it still walks: the
    # walking part of the switching rule is checked on the hand-made annotation)
    assert min(v for k, v in found.items() if k != 'walking_faller') >= 1, found
    assert unknown_words(sentences) == []
    vocab = vocabulary()
    ids, _ = vocab.encode(sentences)
    assert not (ids == vocab.vocab['[UNK]']).any()


def test_annotations_carry_the_actors_colours(world):
    from vadkit.datasets.synthetic import plan_world, simulate_video, world_config
    from vadkit.datasets.synthetic.annotation import (GREY_COLORS, read_annotation,
                                                      tracks_from_annotation)
    config = world_config('tiny', **WORLD)
    plan = plan_world(config, WORLD_SEED)
    video = next(v for v in plan.videos if v.video == '02_0001')
    simulated = simulate_video(video, plan.scenes[video.scene_index], config)
    ann = read_annotation(osp.join(world['root'], 'annotations', '02_0001.json'))
    read_back = tracks_from_annotation(ann)
    assert len(read_back) == len(simulated.tracks) >= 3
    for truth, entry, track in zip(simulated.tracks, ann['tracks'], read_back):
        assert entry['colors'] == {k: list(v) for k, v in truth.colors.items()}
        assert track.colors == truth.colors
    for entry in ann['tracks']:
        del entry['colors']
    assert all(t.colors == GREY_COLORS for t in tracks_from_annotation(ann))


# --- FileCaptioner -----------------------------------------------------------------------

def _caption_file(path, videos, kinds=('actions', 'objects')):
    with open(path, 'w') as f:
        json.dump(dict(kinds=list(kinds), videos=videos), f)
    return str(path)


def test_file_captioner_matches_tubes_by_frame_and_box(tmp_path):
    path = _caption_file(tmp_path / 'c.json', dict(v1=[
        dict(end_frame=4, box=[0, 0, 50, 50], actions='a man is running', objects='fire'),
        dict(end_frame=4, box=[100, 0, 150, 50], actions='a man is waving', objects='water'),
        dict(end_frame=8, box=[0.24, 0, 50.26, 50], actions='a car is parking',
             objects='a bin', extra='ignored')]))
    captioner = FileCaptioner(path)
    assert captioner.kinds == ('actions', 'objects') and captioner.videos() == ['v1']
    tubes = np.array([[8, 0, 0, 50, 50, 1],        # rounds to the written box
                      [4, 101, 1, 151, 51, 1],     # 1 px off: IoU 0.92
                      [4, 0, 0, 50, 50, 2]], np.float32)
    out = captioner.caption_video('v1', tubes, np.zeros((3, 1), int))
    assert [o['actions'] for o in out] == ['a car is parking', 'a man is waving',
                                           'a man is running']
    assert out[0] == dict(actions='a car is parking', objects='a bin')
    with pytest.raises(DataError) as info:   # 3 px off: IoU 0.79
        captioner.caption_video('v1', np.array([[4, 103, 3, 153, 53, 1]]), np.zeros((1, 1)))
    message = str(info.value)
    assert path in message and 'video v1' in message and 'frame 4' in message
    assert '[103.0, 3.0, 153.0, 53.0]' in message
    with pytest.raises(DataError, match='at frame 5'):
        captioner.caption_video('v1', np.array([[5, 0, 0, 50, 50, 1]]), np.zeros((1, 1)))
    with pytest.raises(DataError, match=r'c\.json has no video v2'):
        captioner.caption_video('v2', tubes, np.zeros((3, 1)))


def test_file_captioner_refuses_malformed_files(tmp_path):
    with pytest.raises(DataError, match='does not exist'):
        FileCaptioner(str(tmp_path / 'none.json'))
    bad = _caption_file(tmp_path / 'b.json', dict(v1=[dict(end_frame=4, box=[0, 0, 5, 5],
                                                           actions='a man is running')]))
    with pytest.raises(DataError, match=r"video v1, entry 0 \(end frame 4\): the 'objects' "
                       'sentence is missing'):
        FileCaptioner(bad)
    bad = _caption_file(tmp_path / 'b2.json', dict(v1=[dict(end_frame=4, box=[0, 0, 5],
                                                            actions='a', objects='b')]))
    with pytest.raises(DataError, match=r'entry 0: box must be \[x1, y1, x2, y2\]'):
        FileCaptioner(bad)
    with open(tmp_path / 'b3.json', 'w') as f:
        json.dump(dict(videos={}), f)
    with pytest.raises(DataError, match='"kinds" must be a non-empty list'):
        FileCaptioner(str(tmp_path / 'b3.json'))


# --- CLIPTemplateCaptioner with a stub encoder --------------------------------------------

class StubEncoder:
    """Text: a one-hot vector per distinct sentence. Image: the weighted sum of the vectors
    of the sentences ``targets[code]`` lists, ``code`` the image's red value at (0, 0) (the
    image is RGB, so a BGR crop's last channel)."""

    def __init__(self, targets):
        self.targets = targets
        self.index = {}
        self.text_calls = 0
        self.dim = 4096

    def _vector(self, sentence):
        v = np.zeros(self.dim)
        v[self.index.setdefault(sentence, len(self.index))] = 1.0
        return v

    def encode_texts(self, texts):
        self.text_calls += 1
        return np.stack([self._vector(t) for t in texts])

    def encode_images(self, images):
        out = []
        for image in images:
            assert image.dtype == np.uint8 and image.shape == (8, 8, 3)
            weighted = self.targets[int(image[0, 0, 0])]
            out.append(sum(w * self._vector(s) for s, w in weighted.items()))
        return np.stack(out)


CAR_TARGETS = {'a photo of a car': 1.0, 'a photo of a bicycle': 0.8,
               'a car is driving': 1.0, 'a car is parking': 0.7, 'a bicycle is riding a bicycle':
               2.0, 'a car in red': 1.0, 'a car in a red jacket': 0.9,
               'a car is in a road': 1.0, 'there is a tree': 0.5, 'there is fire': 0.2}
WOMAN_TARGETS = {'a photo of a woman': 1.0, 'a woman is falling': 0.6,
                 'a woman in a pink dress': 0.4, 'a woman is in a room': 0.3,
                 'there is smoke': 0.9}


def _crops(codes, noise_code=7):
    """Crops whose last frame carries ``code`` in its red channel (BGR index 2) and whose
    other frames and channels carry another one."""
    crops = np.full((len(codes), 3, 8, 8, 3), noise_code, np.uint8)
    for m, code in enumerate(codes):
        crops[m, -1, :, :, 2] = code
    return crops


def test_clip_captioner_picks_the_closest_subject_then_words():
    encoder = StubEncoder({1: CAR_TARGETS, 2: WOMAN_TARGETS})
    captioner = CLIPTemplateCaptioner(encoder=encoder, batch_size=2)
    assert captioner.needs_crops and captioner.kinds == ('actions', 'clothes', 'places',
                                                         'objects')
    tubes = np.zeros((3, 6), np.float32)
    out = captioner.caption_video('v', tubes, np.zeros((3, 1)), crops=_crops([1, 2, 1]))
    car = dict(actions='a car is driving', clothes='a car in red', places='a car is in a road',
               objects='there is a tree')
    woman = dict(actions='a woman is falling', clothes='a woman in a pink dress',
                 places='a woman is in a room', objects='there is smoke')
    assert out == [car, woman, car]
    # subjects once, then one call per subject: the sentences are embedded once
    assert encoder.text_calls == 3
    captioner.caption_video('w', tubes[:1], np.zeros((1, 1)), crops=_crops([2]))
    assert encoder.text_calls == 3
    assert len(captioner.candidates('car')['clothes']) == len(WORDS.caption_words['clothes'])


def test_clip_captioner_input_errors():
    captioner = CLIPTemplateCaptioner(encoder=StubEncoder({1: CAR_TARGETS}))
    tubes = np.zeros((1, 6), np.float32)
    with pytest.raises(DataError, match=r'video v: the feature store has no `tube_crops`.*'
                       r'crop_size'):
        captioner.caption_video('v', tubes, np.zeros((1, 1)))
    with pytest.raises(DataError, match='tube_crops must be uint8'):
        captioner.caption_video('v', tubes, np.zeros((1, 1)), crops=np.zeros((2, 3, 8, 8, 3),
                                                                             np.uint8))
    assert captioner.caption_video('v', np.zeros((0, 6)), np.zeros((0, 1))) == []

    class Broken(StubEncoder):
        def encode_images(self, images):
            return np.zeros((len(images) + 1, 4))
    with pytest.raises(DataError, match=r'shape \(2, 4\) for 1 inputs'):
        CLIPTemplateCaptioner(encoder=Broken({})).caption_video(
            'v', tubes, np.zeros((1, 1)), crops=_crops([1]))
    with pytest.raises(ConfigError, match=r'the encoder object has no encode_images\(\)'):
        CLIPTemplateCaptioner(encoder=object())


@pytest.mark.parametrize('backend, package', [('transformers', 'transformers'),
                                              ('open_clip', 'open_clip_torch')])
def test_clip_captioner_without_its_package(backend, package, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, backend, None)   # import fails even where installed
    weights = tmp_path / 'clip'
    weights.mkdir()
    (weights / 'model.bin').write_bytes(b'')
    path = str(weights if backend == 'transformers' else weights / 'model.bin')
    captioner = CAPTIONERS.build(dict(type='CLIPTemplateCaptioner', model_path=path,
                                      backend=backend))   # nothing is loaded yet
    with pytest.raises(ConfigError) as info:
        captioner.caption_video('v', np.zeros((1, 6)), np.zeros((1, 1)), crops=_crops([1]))
    message = str(info.value)
    assert f"backend '{backend}'" in message and f'pip install {package}' in message
    assert 'never downloaded' in message


def test_clip_captioner_config_errors(tmp_path):
    with pytest.raises(ConfigError, match='give model_path'):
        CLIPTemplateCaptioner()
    with pytest.raises(ConfigError, match='backend must be one of'):
        CLIPTemplateCaptioner(model_path='x', backend='onnx')
    built = CLIPTemplateCaptioner(encoder=dict(type='TransformersCLIPEncoder',
                                               model_path=str(tmp_path)))
    assert isinstance(built.encoder, TransformersCLIPEncoder)
