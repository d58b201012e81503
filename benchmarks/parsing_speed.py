"""Speed and peak memory of each built-in parsing backend, and of whole extractions.

    python benchmarks/parsing_speed.py [--only NAME ...] [--json OUT] [--repeat 3]

Every case runs in a fresh Python process (``--case NAME``) so that its peak resident
memory is its own: the report gives the work rate (frames, objects, clips or crops per
second, best of ``--repeat``), the peak RSS of the process and how much the case added
over the process's RSS just before it (inputs loaded, models built). Inputs: a generated
world at 320x240 (written to a temporary folder), the PETS 2009 clip
``data/real/vtest.avi`` at 768x576 (``tools/misc/fetch_sample_videos.sh``) and UCSD Ped2
frames at 360x240 (``../shared/data/ped2``); cases whose input is absent are skipped.

The ``mm/`` cases time the OpenMMLab backends, each with its tiny random-initialised
model (``configs/parsing/models/``) and with the paper-size model of the papers' parsing
configs (random weights: speed does not depend on them); ``--only mm/ --repeat 1`` runs
them alone (about 10 minutes on 2 cores).

Target: the built-in synthetic parsing (``configs/parsing/builtin_synthetic.py``) at 25
frames per second or more on one core, so that the demo world (4,741 frames) parses in
a few minutes on this machine.
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, Optional

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
VTEST = osp.join(REPO, 'data', 'real', 'vtest.avi')
PED2 = osp.join(REPO, '..', 'shared', 'data', 'ped2', 'testing', 'frames', '01')
TARGET_FPS = 25.0


def rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---------------------------------------------------------------------- inputs
def world_dir() -> str:
    root = osp.join(tempfile.gettempdir(), 'vadkit_bench_world')
    from vadkit.datasets.synthetic import world_config, write_world
    write_world(root, world_config('tiny', width=320, height=240, train_videos=1,
                                   test_videos=2, num_frames=(150, 150)), seed=3,
                progress=False)
    return root


def world_video():
    """Frames and annotation of one generated test video (150 frames)."""
    from vadkit.parsing import VideoInfo, VideoSource
    root = world_dir()
    video = '01_0001'
    source = VideoSource(osp.join(root, 'testing', 'frames', video))
    with open(osp.join(root, 'annotations', f'{video}.json')) as f:
        annotation = json.load(f)
    info = VideoInfo(video, source.num_frames, source.width, source.height, 25.0, annotation)
    return list(source), info


def vtest_frames(count: int = 150):
    import cv2
    if not osp.isfile(VTEST):
        return None
    cap = cv2.VideoCapture(VTEST)
    frames = []
    while len(frames) < count:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    return frames


def ped2_frames(count: int = 150):
    import cv2
    if not osp.isdir(PED2):
        return None
    names = sorted(os.listdir(PED2))[:count]
    return [cv2.imread(osp.join(PED2, n)) for n in names]


def oracle_clips(frames, info, clip_len: int = 16):
    """The ground-truth object clips of a generated video (boxes and keypoints)."""
    from vadkit.parsing import clip_spans
    from vadkit.parsing.trackers import OracleTracker
    tracker = OracleTracker()
    tracker.reset(info)
    tracklets = tracker.finish(())
    from vadkit.parsing.parser import VideoParser
    out = []
    for c, (start, end) in enumerate(clip_spans(len(frames), clip_len)):
        clips = VideoParser.object_clips(tracklets, int(start), int(end), c)
        out.append((int(start), int(end), clips))
    return out


def _frames(frames_fn: Callable):
    """The frames an input function gives (None when the input is absent)."""
    frames = frames_fn()
    return frames[0] if isinstance(frames, tuple) else frames


def best_of(work: Callable[[], object], reset: Optional[Callable[[], None]] = None):
    """The best wall time of ``--repeat`` runs of ``work()`` (``reset()``, untimed, before
    each) and what the last run returned."""
    best, result = np.inf, None
    for _ in range(ARGS.repeat):
        if reset is not None:
            reset()
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


# ---------------------------------------------------------------------- cases
def _detector_case(cfg: dict, frames_fn: Callable, prepare: bool = False):
    def run():
        from vadkit.parsing import VideoInfo
        from vadkit.registry import DETECTORS
        frames = _frames(frames_fn)
        if frames is None:
            return None
        detector = DETECTORS.build(cfg)
        h, w = frames[0].shape[:2]

        def work():
            if prepare and hasattr(detector, 'prepare'):
                detector.prepare(frames)
            return sum(len(detector(f, i)) for i, f in enumerate(frames))

        before = rss_mb()
        seconds, found = best_of(work, lambda: detector.reset(VideoInfo('bench', len(frames),
                                                                         w, h)))
        return dict(unit='frames', rate=len(frames) / seconds, size=f'{w}x{h}',
                    per_frame_ms=1000 * seconds / len(frames),
                    detections_per_frame=found / len(frames), rss_before_mb=before)
    return run


def _tracker_case(cfg: dict):
    def run():
        from vadkit.parsing.oracle_utils import WORLD_CATEGORIES, boxes_by_frame
        from vadkit.registry import TRACKERS
        frames, info = world_video()
        by_frame = boxes_by_frame(info.annotation)
        rng = np.random.default_rng(0)
        dets = []
        for i in range(len(frames)):
            rows = [[*(box + np.tile(rng.normal(0, 2, 2), 2)), 0.9,
                     WORLD_CATEGORIES.index(cat)] for _, cat, box, _ in by_frame.get(i, [])]
            dets.append(np.asarray(rows, np.float64).reshape(-1, 6))
        tracker = TRACKERS.build(cfg)

        def work():
            for i, d in enumerate(dets):
                tracker.update(i, d)
            return tracker.finish(WORLD_CATEGORIES)

        before = rss_mb()
        seconds, _ = best_of(work, lambda: tracker.reset(info))
        return dict(unit='frames', rate=len(dets) / seconds,
                    per_frame_ms=1000 * seconds / len(dets),
                    objects_per_frame=float(np.mean([len(d) for d in dets])),
                    rss_before_mb=before)
    return run


def _object_case(cfg: dict, max_clips: Optional[int] = None):
    def run():
        from vadkit.registry import EXTRACTORS
        frames, info = world_video()
        clips = [(s, e, objects) for s, e, objects in oracle_clips(frames, info)
                 if objects][:max_clips]
        count = sum(len(objects) for _, _, objects in clips)
        extractor = EXTRACTORS.build(cfg)
        extractor.reset(info)
        before = rss_mb()
        seconds, _ = best_of(lambda: [extractor(frames[s:e], objects)
                                      for s, e, objects in clips])
        return dict(unit='object clips', rate=count / seconds,
                    per_item_ms=1000 * seconds / count, dim=extractor.dim,
                    rss_before_mb=before)
    return run


def _clip_level_case(cfg: dict, kind: str, frames_fn: Callable,
                     max_clips: Optional[int] = None):
    def run():
        from vadkit.parsing import VideoInfo, clip_spans
        from vadkit.registry import EXTRACTORS
        frames = _frames(frames_fn)
        if frames is None:
            return None
        extractor = EXTRACTORS.build(cfg)
        h, w = frames[0].shape[:2]
        spans = clip_spans(len(frames))[:max_clips]

        def work():
            for s, e in spans:
                if kind == 'scene':
                    extractor(frames[s:e], int(s))
                else:
                    extractor(frames[s:e])

        before = rss_mb()
        seconds, _ = best_of(work, lambda: extractor.reset(VideoInfo('bench', len(frames),
                                                                      w, h)))
        return dict(unit='clips of 16 frames', rate=len(spans) / seconds, size=f'{w}x{h}',
                    per_item_ms=1000 * seconds / len(spans), rss_before_mb=before)
    return run


def _tubes_case(crop_size):
    def run():
        from vadkit.parsing.parser import _boxes_at_frames
        from vadkit.parsing.trackers import OracleTracker
        from vadkit.registry import EXTRACTORS
        frames, info = world_video()
        tracker = OracleTracker()
        tracker.reset(info)
        at = _boxes_at_frames(tracker.finish(()))
        builder = EXTRACTORS.build(dict(type='ObjectTubeBuilder', crop_size=crop_size))
        builder.reset(info)
        empty = (np.zeros(0, np.int64), np.zeros((0, 4)))

        def work():
            tubes = 0
            for i in range(len(frames)):
                ids, boxes = at.get(i, empty)
                tubes += len(builder.build(i, frames[max(0, i - 4):i + 1], boxes,
                                           ids)['tubes'])
            return tubes

        before = rss_mb()
        seconds, tubes = best_of(work)
        return dict(unit='frames', rate=len(frames) / seconds,
                    tubes_per_frame=tubes / len(frames), rss_before_mb=before)
    return run


def _pose_case(cfg: dict, step: int = 10):
    def run():
        from vadkit.parsing.oracle_utils import boxes_by_frame
        from vadkit.registry import EXTRACTORS
        frames, info = world_video()
        by_frame = boxes_by_frame(info.annotation)
        picks = [(i, np.stack([e[2] for e in by_frame[i] if e[1] == 'person']))
                 for i in range(0, len(frames), step)
                 if any(e[1] == 'person' for e in by_frame.get(i, []))]
        crops = sum(len(b) for _, b in picks)
        estimator = EXTRACTORS.build(cfg)
        estimator.reset(info)
        estimator(frames[picks[0][0]], picks[0][0], picks[0][1][:1], np.zeros(1, int))
        before = rss_mb()
        seconds, _ = best_of(lambda: [estimator(frames[i], i, boxes, np.arange(len(boxes)))
                                      for i, boxes in picks])
        return dict(unit='person crops', rate=crops / seconds,
                    per_item_ms=1000 * seconds / crops, rss_before_mb=before)
    return run


def _world_input():
    """A generated test video as the parser reads it from disk, and its info."""
    from vadkit.parsing import VideoSource
    _, info = world_video()
    return VideoSource(osp.join(world_dir(), 'testing', 'frames', info.video_id)), info


def _real_input(frames_fn: Callable, count: int) -> Callable:
    def load():
        from vadkit.parsing import VideoInfo
        frames = frames_fn(count)
        if frames is None:
            return None
        h, w = frames[0].shape[:2]
        return frames, VideoInfo('bench', len(frames), w, h)
    return load


def _parser_case(config: str, inputs: Callable = _world_input):
    def run():
        from mmengine.config import Config
        from vadkit.registry import PARSERS
        loaded = inputs()
        if loaded is None:
            return None
        source, info = loaded
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'parsing', config))
        parser = PARSERS.build(cfg.parser.to_dict())
        before = rss_mb()
        seconds, meta = best_of(lambda: parser.parse(source, info)[1])
        return dict(unit='frames', rate=info.num_frames / seconds,
                    size=f'{info.width}x{info.height}',
                    objects_per_s=meta['counts']['objects'] / seconds, rss_before_mb=before)
    return run


CASES: Dict[str, Callable] = {
    'detect/BackgroundSubtraction median 320x240': _detector_case(
        dict(type='BackgroundSubtractionDetector'), world_video, prepare=True),
    'detect/BackgroundSubtraction mog2 320x240': _detector_case(
        dict(type='BackgroundSubtractionDetector', mode='mog2'), world_video, prepare=True),
    'detect/BackgroundSubtraction median 360x240 (Ped2)': _detector_case(
        dict(type='BackgroundSubtractionDetector'), ped2_frames, prepare=True),
    'detect/BackgroundSubtraction median 768x576 (vtest)': _detector_case(
        dict(type='BackgroundSubtractionDetector'), vtest_frames, prepare=True),
    'detect/HOGPeople upscale 1, 320x240': _detector_case(
        dict(type='HOGPeopleDetector'), world_video),
    'detect/HOGPeople upscale 1, 768x576 (vtest)': _detector_case(
        dict(type='HOGPeopleDetector'), vtest_frames),
    'detect/HOGPeople upscale 3.5, 360x240 (Ped2)': _detector_case(
        dict(type='HOGPeopleDetector', upscale=3.5), lambda: ped2_frames(30)),
    'tracker/SortTracker (noisy ground truth)': _tracker_case(dict(type='SortTracker')),
    'object/ColorHOGAppearance': _object_case(dict(type='ColorHOGAppearance')),
    'object/SkeletonKinematics': _object_case(dict(type='SkeletonKinematics')),
    'object/MobileNetV2Appearance': _object_case(dict(type='MobileNetV2Appearance')),
    'pose/MediaPipePose': _pose_case(dict(type='MediaPipePose')),
    'scene/BackgroundSceneDescriptor 320x240': _clip_level_case(
        dict(type='BackgroundSceneDescriptor'), 'scene', world_video),
    'clip/MotionEnergyClip 320x240': _clip_level_case(dict(type='MotionEnergyClip'), 'clip',
                                                      world_video),
    'clip/MotionEnergyClip 360x240 (Ped2)': _clip_level_case(
        dict(type='MotionEnergyClip'), 'clip', ped2_frames),
    'clip/MotionEnergyClip 768x576 (vtest)': _clip_level_case(
        dict(type='MotionEnergyClip'), 'clip', vtest_frames),
    'tubes/ObjectTubeBuilder boxes only': _tubes_case(None),
    'tubes/ObjectTubeBuilder crops 64': _tubes_case(64),
    'parser/oracle_synthetic (all extractors)': _parser_case('oracle_synthetic.py'),
    'parser/builtin_synthetic (all extractors)': _parser_case('builtin_synthetic.py'),
    'parser/builtin_ped2 (Ped2 test 01)': _parser_case('builtin_ped2.py',
                                                       _real_input(ped2_frames, 150)),
    'parser/builtin_pets2009 (vtest, with BlazePose)': _parser_case(
        'builtin_pets2009.py', _real_input(vtest_frames, 64)),
}

# ------------------------------------------------------------------ OpenMMLab backends
# Each with the tiny random-initialised model of configs/parsing/models/ ("tiny") and with
# the paper-size model of the papers' parsing configs, random weights ("paper"): the speed
# does not depend on the weights.
MODELS = osp.join(REPO, 'configs', 'parsing', 'models')
YOLOV3 = 'mmdet::yolo/yolov3_d53_8xb8-ms-608-273e_coco.py'
HRNET = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'
POSEC3D = 'mmaction::skeleton/posec3d/slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint.py'
DEEPLAB = 'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-40k_cityscapes-512x1024.py'
I3D = 'mmaction::recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py'
TRN = 'mmaction::recognition/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv1-rgb.py'
TINY_VIT = dict(img_size=32, patch_size=8, embed_dim=32, depth=2, num_heads=2)
OPENMMLAB_CASES: Dict[str, Callable] = {
    'mm/detect/MMDetDetector tiny YOLOv3 320x240': _detector_case(
        dict(type='MMDetDetector', config=osp.join(MODELS, 'yolov3_tiny.py'), score_thr=0.0),
        world_video),
    'mm/detect/MMDetDetector paper YOLOv3-608 360x240 (Ped2)': _detector_case(
        dict(type='MMDetDetector', config=YOLOV3), lambda: ped2_frames(8)),
    'mm/detect/MMDetDetector paper YOLOv3-608 768x576 (vtest)': _detector_case(
        dict(type='MMDetDetector', config=YOLOV3), lambda: vtest_frames(8)),
    'mm/tracker/MMDetTracker ByteTrack (noisy ground truth)': _tracker_case(
        dict(type='MMDetTracker')),
    'mm/tracker/MMDetTracker OC-SORT (noisy ground truth)': _tracker_case(
        dict(type='MMDetTracker', tracker=dict(type='OCSORTTracker',
                                               motion=dict(type='KalmanFilter')))),
    'mm/pose/MMPoseTopDown tiny HRNet': _pose_case(
        dict(type='MMPoseTopDown', config=osp.join(MODELS, 'hrnet_tiny.py'))),
    'mm/pose/MMPoseTopDown paper HRNet-W32 256x192': _pose_case(
        dict(type='MMPoseTopDown', config=HRNET), step=30),
    'mm/object/PoseConv3DEncoder tiny': _object_case(
        dict(type='PoseConv3DEncoder', config=osp.join(MODELS, 'poseconv3d_tiny.py'))),
    'mm/object/PoseConv3DEncoder paper, 1 view (configs/parsing/hsc_*)': _object_case(
        dict(type='PoseConv3DEncoder', config=POSEC3D, num_clips=1, double=False),
        max_clips=2),
    'mm/object/ViTAppearance tiny, 4 crops per object clip': _object_case(
        dict(type='ViTAppearance', num_samples=4, **TINY_VIT)),
    'mm/object/ViTAppearance paper ViT-L/16, 4 crops per object clip': _object_case(
        dict(type='ViTAppearance', num_samples=4), max_clips=1),
    'mm/scene/SegmentationScene tiny DeepLabV3+ 360x240 (Ped2)': _clip_level_case(
        dict(type='SegmentationScene', segmenter=dict(
            type='MMSegSegmenter', config=osp.join(MODELS, 'deeplabv3plus_tiny.py'))),
        'scene', ped2_frames, max_clips=3),
    'mm/scene/SegmentationScene paper DeepLabV3+ R50 360x240 (Ped2)': _clip_level_case(
        dict(type='SegmentationScene', segmenter=dict(type='MMSegSegmenter', config=DEEPLAB)),
        'scene', lambda: ped2_frames(16), max_clips=1),
    'mm/clip/MMActionClipEncoder tiny I3D 112 crop': _clip_level_case(
        dict(type='MMActionClipEncoder', config=osp.join(MODELS, 'i3d_tiny.py'),
             short_side=128, crop_size=112), 'clip', ped2_frames, max_clips=3),
    'mm/clip/MMActionClipEncoder paper I3D R50 224 centre crop (GCL)': _clip_level_case(
        dict(type='MMActionClipEncoder', config=I3D), 'clip', lambda: ped2_frames(32),
        max_clips=2),
    'mm/clip/MMActionClipEncoder paper I3D R50 ten-crop': _clip_level_case(
        dict(type='MMActionClipEncoder', config=I3D, crops='ten'), 'clip',
        lambda: ped2_frames(16), max_clips=1),
    'mm/clip/MMActionClipEncoder paper TRN R50 14 patches (SA-CRF)': _clip_level_case(
        dict(type='MMActionClipEncoder', config=TRN, grid=(1, 2, 3), spatial_pool='max'),
        'clip', lambda: ped2_frames(16), max_clips=1),
    'mm/parser/openmmlab_tiny_synthetic (every backend, tiny)': _parser_case(
        'openmmlab_tiny_synthetic.py'),
}
CASES.update(OPENMMLAB_CASES)


def run_case(name: str) -> dict:
    from vadkit.utils import register_all_modules
    register_all_modules()
    result = CASES[name]()
    if result is None:
        return dict(name=name, skipped='input not found')
    return dict(name=name, peak_rss_mb=peak_mb(),
                added_mb=peak_mb() - result.pop('rss_before_mb'), **result)


def main() -> None:
    names = [n for n in CASES if not ARGS.only or any(o in n for o in ARGS.only)]
    results = []
    for name in names:
        proc = subprocess.run([sys.executable, __file__, '--case', name, '--repeat',
                               str(ARGS.repeat)], capture_output=True, text=True,
                              env=dict(os.environ, OMP_NUM_THREADS='1'))
        if proc.returncode != 0:
            results.append(dict(name=name, error=proc.stderr.strip().splitlines()[-1:]))
        else:
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        r = results[-1]
        if 'rate' in r:
            print(f'{name:48s} {r["rate"]:9.1f} {r["unit"]}/s   peak {r["peak_rss_mb"]:6.0f} MB'
                  f'   +{r["added_mb"]:5.0f} MB')
        else:
            print(f'{name:48s} {r.get("skipped") or r.get("error")}')
    parser_rate = [r['rate'] for r in results
                   if r['name'].startswith('parser/builtin') and 'rate' in r]
    if parser_rate:
        verdict = 'meets' if parser_rate[0] >= TARGET_FPS else 'misses'
        print(f'target: builtin synthetic parsing at {TARGET_FPS:.0f} frames/s on one core: '
              f'{verdict} ({parser_rate[0]:.1f})')
    if ARGS.json:
        with open(ARGS.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--only', nargs='+', help='cases whose name contains one of these')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--json')
    parser.add_argument('--case', help=argparse.SUPPRESS)
    ARGS = parser.parse_args()
    if ARGS.case:
        print(json.dumps(run_case(ARGS.case)))
    else:
        main()
