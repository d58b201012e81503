"""A config's choice of checkpoint: by a validation metric on data the test split never
gives, or simply the last one.

::

    model_selection = dict(metric='vad/micro_auc', rule='greater')   # or 'last'

:func:`prepare_model_selection` (``tools/train.py``) checks the config and adds
:class:`~vadkit.engine.hooks.ModelSelectionHook`; :func:`selected_checkpoint`
(``tools/test.py WORK_DIR``) returns the checkpoint the config chose. A config whose
validation set names the test split, is the test set, or holds out videos the training
set keeps is refused.
"""
import os.path as osp
import warnings
from typing import Any, List, Optional

from vadkit.utils.errors import CheckpointError, ConfigError
from vadkit.utils.io import to_jsonable

from .hooks.model_selection_hook import BEST_POINTER, RULES


def selection_of(cfg) -> Optional[dict]:
    """``dict(metric, rule)`` of a config choosing by a metric; None for the last
    checkpoint (``model_selection`` absent, None or ``'last'``)."""
    value = cfg.get('model_selection', None)
    if value is None or value == 'last':
        return None
    if isinstance(value, str):
        raise ConfigError(f"model_selection must be 'last' or dict(metric=..., rule=...), "
                          f'got {value!r}')
    value = dict(value)
    unknown = set(value) - {'metric', 'rule'}
    if unknown or not value.get('metric'):
        raise ConfigError(f'model_selection takes metric (a validation metric key, e.g. '
                          f"'vad/micro_auc') and rule; got {sorted(value)}")
    rule = value.get('rule', 'greater')
    if rule not in RULES:
        raise ConfigError(f"model_selection.rule must be 'greater' or 'less', got {rule!r}")
    return dict(metric=str(value['metric']), rule=rule)


def _test_split_paths(value: Any, path: str = 'dataset') -> List[str]:
    """Where a dataset config says ``split='test'``."""
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f'{path}.{key}'
            if key == 'split' and item == 'test':
                out.append(where)
            out += _test_split_paths(item, where)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            out += _test_split_paths(item, f'{path}[{i}]')
    return out


def validation_problem(cfg) -> Optional[str]:
    """Why the config's validation set is not one to choose a checkpoint by, or None."""
    val = to_jsonable(cfg.get('val_dataloader') or {}).get('dataset')
    if not val:
        return None
    test = to_jsonable(cfg.get('test_dataloader') or {}).get('dataset')
    if test and val == test:
        return 'val_dataloader.dataset is test_dataloader.dataset'
    paths = _test_split_paths(val, 'val_dataloader.dataset')
    if paths:
        return f"{paths[0]} = 'test'"
    holdout = val.get('holdout') if isinstance(val, dict) else None
    if holdout and dict(holdout).get('part') == 'val':
        train = to_jsonable(cfg.get('train_dataloader') or {}).get('dataset') or {}
        kept = dict(train.get('holdout') or {})
        same = {k: v for k, v in dict(holdout).items() if k != 'part'} == \
            {k: v for k, v in kept.items() if k != 'part'}
        if kept.get('part') != 'train' or not same:
            return ("val_dataloader.dataset holds out validation videos, but "
                    "train_dataloader.dataset has no holdout with the same fraction and "
                    "seed and part='train', so it trains on them")
    return None


def prepare_model_selection(cfg):
    """Check the config's choice of checkpoint and add what it needs to the Runner
    config: a ``ValLoop`` where a validation set is given, and
    :class:`~vadkit.engine.hooks.ModelSelectionHook` when choosing by a metric."""
    selection = selection_of(cfg)
    has_val = bool(cfg.get('val_dataloader'))
    problem = validation_problem(cfg) if has_val else None
    if selection is not None:
        if not has_val or not cfg.get('val_evaluator'):
            raise ConfigError(f"model_selection chooses by {selection['metric']!r} but the "
                              'config has no val_dataloader / val_evaluator; add a '
                              "validation set (holdout=dict(part='val', ...)) or use "
                              "model_selection='last'")
        if problem:
            raise ConfigError(f'model_selection would choose the checkpoint on the test '
                              f'split or on training videos: {problem}; validate on held-out '
                              'training videos (docs/model_selection.md)')
        hooks = [h for h in list(cfg.get('custom_hooks', []) or [])
                 if h.get('type') != 'ModelSelectionHook']
        hooks.append(dict(type='ModelSelectionHook', **selection))
        cfg.custom_hooks = hooks
    elif problem:
        warnings.warn(f'the validation set is not held out ({problem}); its numbers are '
                      'not an honest estimate')
    if has_val and not cfg.get('val_cfg'):
        cfg.val_cfg = dict(type='ValLoop')
    return cfg


def selected_checkpoint(work_dir: str, cfg) -> str:
    """The checkpoint of ``work_dir`` the config chose: ``best_checkpoint``'s when it
    chooses by a metric, ``last_checkpoint``'s otherwise."""
    selection = selection_of(cfg)
    name = BEST_POINTER if selection is not None else 'last_checkpoint'
    pointer = osp.join(work_dir, name)
    if not osp.isfile(pointer):
        why = (f"the config chooses by {selection['metric']!r}, but training wrote no "
               f'{name} (no validation ran?)' if selection is not None
               else f'{work_dir} is a directory without a last_checkpoint file')
        raise CheckpointError(why)
    with open(pointer, encoding='utf-8') as f:
        path = f.read().strip()
    if not osp.isfile(path):
        raise CheckpointError(f'{pointer} names {path}, which does not exist')
    return path
