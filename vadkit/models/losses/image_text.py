"""ITAM's image-text contrastive loss (the local-patterns method, Sec. 3.2, Eq. 1).

Every image of a batch of ``B_s`` has ``N_q`` query features ``F^I [B_s, N_q, E_d]`` and
``N_s`` sentence features ``F^T [B_s, N_s, E_d]`` (e.g. action, clothes, place, objects).
The sentences form ``N_s`` groups: group ``n`` holds the ``n``-th sentence of every image.
In a group, the similarity of image ``i`` and sentence ``c`` is the largest cosine
similarity of one of the image's queries with the sentence, and two cross-entropies, one
over the sentences for each image and one over the images for each sentence, make every
image closest to its own sentence:

    L = -1 / (2 N_s B_s) sum_n ( sum_i log softmax_c(S_n[i, :] / tau)[c = i]
                                + sum_c log softmax_i(S_n[:, c] / tau)[i = c] )

The paper prints the normalisation as ``2 N_c B_c`` and names no temperature; ``tau``
(default 0.07, CLIP's and BLIP-2's initial value) is a config key. Template captions
repeat (two people "in a room"): with ``text_ids``, sentences with the same id are all
positives of an image, the target spread evenly over them, instead of one of them counting
as a negative.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from vadkit.registry import MODELS


def query_text_similarity(image: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """``[N_s, B, B]``: ``S[n, i, c] = max_q cos(image[i, q], text[c, n])``."""
    image = F.normalize(image, dim=-1)
    text = F.normalize(text, dim=-1)
    sim = torch.einsum('iqe,cne->nicq', image, text)
    return sim.max(dim=-1).values


def image_text_contrastive_loss(image: torch.Tensor, text: torch.Tensor,
                                temperature: float = 0.07,
                                text_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Eq. 1.

    Args:
        image: ``F^I [B, N_q, E]``.
        text: ``F^T [B, N_s, E]``.
        temperature: ``tau``.
        text_ids: ``[B, N_s]`` ids of the sentences (equal ids: the same sentence), or
            None (every sentence its image's only positive).
    """
    if image.dim() != 3 or text.dim() != 3 or image.shape[0] != text.shape[0] or \
            image.shape[-1] != text.shape[-1]:
        raise ValueError(f'expected image [B, N_q, E] and text [B, N_s, E], got '
                         f'{tuple(image.shape)} and {tuple(text.shape)}')
    logits = query_text_similarity(image, text) / temperature          # [N_s, B, B]
    b = image.shape[0]
    if text_ids is None:
        target = torch.eye(b, device=image.device).expand_as(logits)
    else:
        ids = text_ids.t()                                              # [N_s, B]
        target = (ids[:, :, None] == ids[:, None, :]).float()          # [N_s, i, c]
    image_to_text = -(target / target.sum(-1, keepdim=True)
                      * F.log_softmax(logits, dim=-1)).sum(-1)         # [N_s, B]
    text_to_image = -(target / target.sum(-2, keepdim=True)
                      * F.log_softmax(logits, dim=-2)).sum(-2)         # [N_s, B]
    return (image_to_text.sum() + text_to_image.sum()) / (2 * logits.shape[0] * b)


@MODELS.register_module()
class ImageTextContrastiveLoss(nn.Module):
    """:func:`image_text_contrastive_loss` as a module.

    Args:
        temperature: ``tau``.
        learnable_temperature: Learn ``log(1 / tau)`` (clipped at 100, as CLIP).
        loss_weight: Factor of the loss.
    """

    def __init__(self, temperature: float = 0.07, learnable_temperature: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        scale = torch.tensor(1.0 / temperature).log()
        if learnable_temperature:
            self.log_scale = nn.Parameter(scale)
        else:
            self.register_buffer('log_scale', scale)
        self.loss_weight = float(loss_weight)

    def forward(self, image: torch.Tensor, text: torch.Tensor,
                text_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        temperature = 1.0 / self.log_scale.exp().clamp(max=100.0)
        return self.loss_weight * image_text_contrastive_loss(image, text, temperature,
                                                              text_ids)
