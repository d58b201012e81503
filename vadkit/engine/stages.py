"""Staged training: one config, several Runner trainings in a row (the local-patterns
method trains its spatial part first, then, with it frozen, its temporal part).

A config lists the stages that run *before* its own training::

    stages = [
        dict(name='spatial',
             model=dict(stage='spatial'),
             train_dataloader=dict(batch_size=120, dataset=dict(sample='frame')),
             optim_wrapper=dict(optimizer=dict(lr=1e-4)),
             param_scheduler=[...],
             train_cfg=dict(by_epoch=False, max_iters=20000)),
    ]

An entry may also be the name of a top-level key holding the dict (``stages =
['spatial_stage']``): configs that inherit it then change the stage by merging into that
key, as into any other dict. Each entry is merged over the config (nested dicts key by
key, lists and other values replaced, ``_delete_=True`` as in mmengine) into the stage's
own config, trained in
``<work_dir>/<name>``; every later stage (the config itself last) starts from the previous
stage's last checkpoint (``load_from``). A finished stage leaves ``stage.json`` with the
hash of its config: rerunning the same config skips it, a changed one trains it again.
An entry's ``carry`` lists the prefixes of the weights the next stage takes (the spatial
stage hands on ``branches.`` only, so that the temporal stage may give SMM another size);
by default it takes them all. An entry's ``hash_ignore`` lists dotted keys that do not matter to it (the spatial stage
of the local-patterns method ignores ``model.smm``: trying another state machine does not
train the spatial part again).
With ``--resume``, an unfinished stage resumes from its own last checkpoint.
"""
import copy
import hashlib
import json
import os.path as osp
from typing import List, Optional, Tuple

from mmengine.config import Config

from vadkit.utils.errors import ConfigError
from vadkit.utils.io import atomic_path, to_jsonable

MARKER = 'stage.json'
#: Keys that do not change what a stage learns (left out of its hash).
UNHASHED = ('work_dir', 'launcher', 'resume', 'load_from', 'stages', 'default_hooks',
            'log_processor', 'visualizer', 'log_level', 'env_cfg', 'experiment_name',
            'stage_hash_ignore', 'stage_carry', 'test_dataloader', 'test_evaluator', 'test_cfg')


def split_stages(cfg: Config) -> Tuple[Config, List[Tuple[str, Config]]]:
    """``(the config without stages, [(name, stage config), ...])``."""
    stages = cfg.get('stages') or []
    if not isinstance(stages, (list, tuple)):
        raise ConfigError('stages must be a list of dicts, each with a name')
    main = copy.deepcopy(cfg)
    for key in ['stages'] + [e for e in stages if isinstance(e, str)]:
        if key in main:  # a stage's own entry is not part of any stage's config
            main.pop(key)
    out, names = [], set()
    for i, entry in enumerate(stages):
        if isinstance(entry, str):
            if not hasattr(cfg.get(entry), 'keys'):
                raise ConfigError(f'stages[{i}] names {entry!r}, which is not a dict of the '
                                  'config')
            entry = cfg.get(entry)
        entry = dict(_plain(entry))
        name = entry.pop('name', None)
        if not name or not isinstance(name, str) or '/' in name or name in names:
            raise ConfigError(f'stages[{i}] needs a unique name without "/", got {name!r}')
        names.add(name)
        ignore = entry.pop('hash_ignore', ())
        if isinstance(ignore, str) or not all(isinstance(k, str) for k in ignore):
            raise ConfigError(f'stages[{i}] ({name}): hash_ignore must be a list of dotted '
                              f'keys, got {ignore!r}')
        carry = entry.pop('carry', None)
        if carry is not None and (isinstance(carry, str) or
                                  not all(isinstance(k, str) for k in carry)):
            raise ConfigError(f'stages[{i}] ({name}): carry must be a list of weight name '
                              f'prefixes, got {carry!r}')
        stage = copy.deepcopy(main)
        stage.merge_from_dict(entry)
        stage.stage_hash_ignore = list(ignore)
        stage.stage_carry = None if carry is None else list(carry)
        out.append((name, stage))
    return main, out


def _plain(value):
    if hasattr(value, 'to_dict'):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def config_hash(cfg: Config) -> str:
    """A hash of what a stage learns from (its config less paths and logging)."""
    plain = {k: v for k, v in cfg.to_dict().items() if k not in UNHASHED}
    for key in cfg.get('stage_hash_ignore', None) or ():
        *parents, last = key.split('.')
        node = plain
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(last, None)
    text = json.dumps(to_jsonable(plain), sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def finished_stage(work_dir: str, cfg: Config) -> Optional[str]:
    """The last checkpoint of the stage trained in ``work_dir`` with this config, or None
    (not finished, or finished with another config)."""
    path = osp.join(work_dir, MARKER)
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            marker = json.load(f)
    except (OSError, ValueError):
        return None
    checkpoint = marker.get('checkpoint')
    if marker.get('config_hash') != config_hash(cfg) or not checkpoint or \
            not osp.isfile(checkpoint):
        return None
    return checkpoint


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint mmengine's ``last_checkpoint`` file in ``work_dir`` names."""
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        checkpoint = f.read().strip()
    return checkpoint if osp.isfile(checkpoint) else None


def mark_finished(work_dir: str, cfg: Config, name: str) -> str:
    """Write the stage's marker; return its last checkpoint."""
    checkpoint = last_checkpoint(work_dir)
    if checkpoint is None:
        raise ConfigError(f'stage {name!r} finished without a checkpoint in {work_dir}; '
                          'keep the CheckpointHook (default_hooks.checkpoint) in its config')
    with atomic_path(osp.join(work_dir, MARKER)) as tmp:
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(dict(stage=name, config_hash=config_hash(cfg), checkpoint=checkpoint),
                      f, indent=1)
    return checkpoint


def carried_checkpoint(cfg: Config, checkpoint: str) -> str:
    """The checkpoint the next stage starts from: ``checkpoint`` itself, or, when the
    stage names ``carry`` prefixes, ``carry.pth`` beside it with only those weights."""
    prefixes = cfg.get('stage_carry', None)
    if not prefixes:
        return checkpoint
    import torch
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)
    weights = state.get('state_dict', state)
    kept = {k: v for k, v in weights.items() if any(k.startswith(p) for p in prefixes)}
    if not kept:
        raise ConfigError(f'{checkpoint}: no weights start with the carry prefixes '
                          f'{list(prefixes)}')
    path = osp.join(osp.dirname(checkpoint), 'carry.pth')
    with atomic_path(path, '.pth') as tmp:
        torch.save(dict(state_dict=kept, meta=dict(state.get('meta') or {},
                                                   carried_from=checkpoint,
                                                   carry=list(prefixes))), tmp)
    return path
