"""Build a trained model from its config and checkpoint, as ``mmdet.apis.init_detector``.

    from vadkit.apis import init_model
    model = init_model('configs/hsc/hsc_synthetic.py', 'work_dirs/hsc_synthetic')

The model comes back in eval mode on ``device`` with its config at ``model.cfg`` and the
checkpoint file it loaded at ``model.checkpoint_file``.
"""
import copy
from typing import Optional, Union

import torch
from mmengine.config import Config

from vadkit.parsing.openmmlab import load_weights
from vadkit.registry import MODELS
from vadkit.utils.cli import apply_cfg_options, load_config, resolve_checkpoint
from vadkit.utils.errors import ConfigError
from vadkit.utils.setup_env import register_all_modules


def init_model(config: Union[str, Config], checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build ``config``'s model and load its weights.

    Args:
        config: A config file or a :class:`mmengine.Config` (copied, not changed).
        checkpoint: A checkpoint file, or a work dir: its ``last_checkpoint``, or its
            ``best_checkpoint`` when the config chooses by a validation metric, as
            ``tools/test.py`` takes it. None leaves the initial weights.
        device: Where the model is put.
        cfg_options: Overrides, as ``--cfg-options`` gives them.

    Raises:
        ConfigError: the config is unreadable or has no ``model``.
        CheckpointError: the checkpoint is missing, unsafe or does not fit the model
            (every weight must match by name and shape).
    """
    register_all_modules()
    if isinstance(config, Config):
        cfg = copy.deepcopy(config)
        if cfg_options:
            cfg = apply_cfg_options(cfg, cfg_options)
    else:
        cfg = load_config(config, cfg_options)
    if 'model' not in cfg:
        raise ConfigError(f'{cfg.filename or "the config"} has no `model`')
    model = MODELS.build(cfg.model)
    path = None
    if checkpoint is not None:
        path = resolve_checkpoint(checkpoint, cfg)
        load_weights(model, path, who='init_model')
    model.cfg = cfg
    model.checkpoint_file = path
    return model.to(device).eval()
