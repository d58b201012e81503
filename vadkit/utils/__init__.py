"""Environment set-up, compatibility shims, safe checkpoint loading and user errors."""
from .checkpoint import (check_state_dict_fits, extract_state_dict,
                         install_safe_checkpoint_loader, register_checkpoint_globals,
                         safe_torch_load)
from .errors import (CheckpointError, CheckpointMismatchError, ConfigError, DataError,
                     UnsafeCheckpointError, VadkitUserError)
from .setup_env import (collect_env, default_work_dir, register_all_modules,
                        setup_cpu_distributed)

__all__ = [
    'CheckpointError', 'CheckpointMismatchError', 'ConfigError', 'DataError',
    'UnsafeCheckpointError', 'VadkitUserError', 'check_state_dict_fits', 'collect_env',
    'default_work_dir', 'extract_state_dict', 'install_safe_checkpoint_loader',
    'register_all_modules', 'register_checkpoint_globals', 'safe_torch_load',
    'setup_cpu_distributed'
]
