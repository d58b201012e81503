"""vadkit plugin with Sultani et al.'s deep MIL ranking model: importing it registers
``MODELS:MILRanking``."""
from .mil_ranking import MILRanking, ranking_hinge_loss

__version__ = '0.1.0'
__all__ = ['MILRanking', 'ranking_hinge_loss']
