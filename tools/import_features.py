"""Import segment features extracted elsewhere (RTFM / XD-Violence ``.npy``, Sultani et al.'s
C3D ``.txt``) into a feature store, without re-extraction.

    python tools/import_features.py CONFIG --out STORE_DIR [--feature-dir DIR ...]
        [--frame-counts FILE] [--videos ID ...] [--cfg-options k=v ...] [--no-progress]

CONFIG holds ``reader`` (a FEATURE_READERS config: ``NpyFeatureReader``,
``CropFilesFeatureReader``, ``SultaniTextReader``) and ``importer`` (``clip_len``,
``crops``, ``frame_counts``, ``annotations``, ``length_rule``; see
:func:`vadkit.datasets.importers.import_features`). ``--feature-dir`` replaces
``reader.feature_dir`` (where the files of a list written on another machine are found by
name), ``--frame-counts`` replaces ``importer.frame_counts``. Videos already in the store
are skipped, so an interrupted import resumes; a store of another import config is refused.
See docs/importing_features.md.
"""
import argparse
import os

from vadkit.datasets.importers import IMPORTER_KEYS, import_features
from vadkit.utils import ConfigError
from vadkit.utils.cli import load_config, run_tool
from vadkit.utils.setup_env import register_all_modules


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Import extracted features into a feature '
                                     'store')
    parser.add_argument('config', help='import config (reader + importer)')
    parser.add_argument('--out', required=True, help='feature store folder')
    parser.add_argument('--feature-dir', nargs='+',
                        help='folder(s) of the feature files (replaces reader.feature_dir)')
    parser.add_argument('--frame-counts',
                        help='JSON {video: n} or "video n" lines (replaces '
                        'importer.frame_counts)')
    parser.add_argument('--videos', nargs='+', help='only these video ids')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


@run_tool
def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    if 'reader' not in cfg:
        raise ConfigError(f'{args.config} needs `reader` (a FEATURE_READERS config)')
    reader = cfg.reader.to_dict() if hasattr(cfg.reader, 'to_dict') else dict(cfg.reader)
    importer = cfg.get('importer') or {}
    importer = importer.to_dict() if hasattr(importer, 'to_dict') else dict(importer)
    unknown = sorted(set(importer) - set(IMPORTER_KEYS))
    if unknown:
        raise ConfigError(f'{args.config}: importer has unknown key(s) {unknown}; it takes '
                          f'{", ".join(IMPORTER_KEYS)}')
    if args.feature_dir:
        reader['feature_dir'] = args.feature_dir[0] if len(args.feature_dir) == 1 \
            else list(args.feature_dir)
    if args.frame_counts:
        importer['frame_counts'] = args.frame_counts
    summary = import_features(reader, args.out, progress=not args.no_progress,
                              videos=args.videos, **importer)
    low, high = summary['rows']
    dims = '/'.join(str(d) for d in summary['feature_dim'])
    crops = '/'.join(str(c) for c in summary['crops'])
    print(f'{args.out}: {summary["imported"]} videos imported, {summary["skipped"]} already '
          f'there (skipped); T {low}..{high} segments, D {dims}, {crops} crop(s)')


if __name__ == '__main__':
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    main()
