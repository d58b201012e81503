"""Score one video (or several) with a trained model: parse it, score it, draw it.

    python tools/demo/score_video.py CONFIG CHECKPOINT VIDEO [VIDEO ...]
        [--out-dir DIR] [--false-alarm-rate 0.01] [--calibration FILE] [--threshold T]
        [--parsing CONFIG] [--annotation FILE] [--ground-truth MASK.npy]
        [--min-frames 5] [--merge-gap 10]
        [--no-video] [--device cpu] [--cfg-options k=v ...]

VIDEO is a video file or a folder of frames. CHECKPOINT is a checkpoint file or a work
dir. The video is parsed with the parsing config the model's features came from, scored,
and turned into frame scores by the config's scorer pipeline, whose normalisation and the
alarm threshold are fitted on the normal training videos at ``--false-alarm-rate``
(``vadkit.apis.calibrate``; saved as ``DIR/calibration.json``, which ``--calibration``
reads back to skip it). Written to DIR (default ``work_dirs/score_video``):

- ``<video>_annotated.mp4``: every tracked object's box and id, coloured from green
  (a typical normal score) to red (at the threshold), the score curve along the bottom,
  ``ALARM`` during an alarm;
- ``<video>_scores.png``: the frame score curve, the threshold and the alarms;
- ``<video>_scores.json``: the frame scores, the alarm events (start, end exclusive,
  peak frame and score, in frames and seconds) and each object clip's score.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from vadkit.utils.cli import run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Score videos with a trained vadkit model')
    parser.add_argument('config', help='the model config file')
    parser.add_argument('checkpoint', help='checkpoint file, or a work dir to take its latest')
    parser.add_argument('videos', nargs='+', help='video files or frame folders')
    parser.add_argument('--out-dir', default='work_dirs/score_video',
                        help='where the outputs go (default: work_dirs/score_video)')
    parser.add_argument('--false-alarm-rate', type=float, default=0.01,
                        help='fraction of normal training frames above the alarm threshold')
    parser.add_argument('--calibration', help='a calibration.json written before (skips '
                        'calibrating on the training videos)')
    parser.add_argument('--threshold', type=float,
                        help='alarm threshold instead of the calibrated one')
    parser.add_argument('--parsing', help='parsing config, when the model config names none')
    parser.add_argument('--annotation', help='ground-truth JSON of a generated-world video '
                        '(its oracle pose backend; found beside the video by default)')
    parser.add_argument('--ground-truth', help='0/1 frame mask (.npy) of one video, '
                        'shaded on its plot')
    parser.add_argument('--min-frames', type=int, default=5,
                        help='shortest alarm event in frames')
    parser.add_argument('--merge-gap', type=int, default=10,
                        help='alarm events this many frames apart or closer become one')
    parser.add_argument('--no-video', action='store_true', help='skip the annotated video')
    parser.add_argument('--device', default='cpu', help='torch device')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, xxx=yyy style')
    args = parser.parse_args(argv)
    if len(args.videos) > 1 and (args.annotation or args.ground_truth):
        parser.error('--annotation and --ground-truth are those of one video')
    return args


@run_tool
def main(argv=None):
    args = parse_args(argv)
    from vadkit.apis import calibrate, init_model, score_video
    from vadkit.apis.score_video import load_calibration
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    print(f'model {type(model).__name__} from {model.checkpoint_file}')
    if args.calibration:
        calibration = load_calibration(args.calibration)
    else:
        calibration = calibrate(model, args.false_alarm_rate)
        print(f'alarm threshold {calibration["threshold"]:.4g}: '
              f'{calibration["measured_false_alarm_rate"]:.2%} of '
              f'{calibration["frames"]} normal training frames above it '
              f'({len(calibration["videos"])} videos)')
    if args.threshold is not None:
        calibration = dict(calibration, threshold=float(args.threshold),
                           threshold_from='--threshold')
    for video in args.videos:
        result = score_video(model, video, args.out_dir, calibration=calibration,
                             parsing=args.parsing, annotation=args.annotation,
                             ground_truth=args.ground_truth,
                             min_frames=args.min_frames, merge_gap=args.merge_gap,
                             write_video=not args.no_video)
        events = result['alarms']
        print(f'{result["video_id"]}: {result["num_frames"]} frames, {len(events)} alarm(s)'
              + ''.join(f'\n  frames {e["start"]}-{e["end"] - 1} ({e["start_s"]:.1f}-'
                        f'{e["end_s"]:.1f} s), peak {e["peak_score"]:.3g} at frame '
                        f'{e["peak_frame"]}' for e in events))
        for what, path in result['files'].items():
            if what != 'calibration':
                print(f'  {what}: {path}')
    print(f'calibration: {osp.join(args.out_dir, "calibration.json")}')


if __name__ == '__main__':
    main()
