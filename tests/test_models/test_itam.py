"""ITAM's image- and text-attention modules: the paper's shapes, padding, and alignment
learnt with the image-text contrastive loss on a small generated task."""
import pytest
import torch

from vadkit.models.components.itam import ImageAttentionModule, TextAttentionModule
from vadkit.models.losses import image_text_contrastive_loss, query_text_similarity


def test_paper_size_shapes():
    torch.manual_seed(0)
    image = ImageAttentionModule().eval()  # V_d 1408, N_q 32, H_d 768, E_d 256
    out = image(torch.randn(2, 257, 1408))
    assert out.shape == (2, 32, 256)
    text = TextAttentionModule(vocab_size=120, max_length=16).eval()
    ids = torch.randint(3, 120, (2, 4, 16))
    assert text(ids).shape == (2, 4, 256)
    with pytest.raises(ValueError, match='max_length is 16'):
        text(torch.randint(3, 120, (2, 4, 17)))


def test_padding_does_not_change_a_sentence():
    torch.manual_seed(0)
    text = TextAttentionModule(vocab_size=20, max_length=8, hidden_channels=32,
                               out_channels=16, num_heads=4).eval()
    short = torch.tensor([[[1, 5, 6, 0, 0, 0]]])
    longer = torch.tensor([[[1, 5, 6, 0, 0, 0, 0, 0]]])
    torch.testing.assert_close(text(short), text(longer))
    mean = TextAttentionModule(vocab_size=20, max_length=8, hidden_channels=32,
                               out_channels=16, num_heads=4, pool='mean').eval()
    assert mean(short).shape == (1, 1, 16)


def test_itam_learns_to_align_images_with_their_sentences():
    """8 kinds of "image" (visual tokens around a kind's pattern) with 2 sentences each
    (kind words); after training, every image's best sentence in each group is its own."""
    torch.manual_seed(0)
    kinds, tokens, dim = 8, 10, 24
    patterns = torch.randn(kinds, dim)
    image = ImageAttentionModule(dim, num_queries=4, hidden_channels=32, out_channels=16,
                                 self_layers=1, cross_layers=1, num_heads=4, dropout=0.0)
    text = TextAttentionModule(3 + 2 * kinds, max_length=4, hidden_channels=32,
                               out_channels=16, layers=1, num_heads=4, dropout=0.0)
    params = list(image.parameters()) + list(text.parameters())
    optimiser = torch.optim.Adam(params, lr=3e-3)
    words = torch.stack([torch.tensor([[1, 3 + k, 0, 0], [1, 3 + kinds + k, 0, 0]])
                         for k in range(kinds)])                     # [kinds, N_s=2, S_t=4]

    def batch():
        visual = patterns[:, None] + 0.5 * torch.randn(kinds, tokens, dim)
        return visual, words

    def accuracy():
        with torch.no_grad():
            visual, ids = batch()
            sim = query_text_similarity(image.eval()(visual), text.eval()(ids))
            image.train(), text.train()
            return float((sim.argmax(-1) == torch.arange(kinds)).float().mean())

    before = accuracy()
    for _ in range(150):
        visual, ids = batch()
        loss = image_text_contrastive_loss(image(visual), text(ids), temperature=0.1)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert before < 0.5 and accuracy() >= 0.9


def test_backbone_gives_the_papers_visual_tokens():
    """ResNet-18's second stage is the 28 x 28 map of a 224 x 224 crop, with 128 channels
    (the paper prints 512); 1x1 to V_d = 1408, 16 x 16 positions plus a class token."""
    pytest.importorskip('mmaction')
    from vadkit.models.components.itam import ITAMBackbone
    from vadkit.utils import register_all_modules
    register_all_modules()
    backbone = ITAMBackbone().eval()
    x = torch.randn(1, 3, 224, 224)
    maps = backbone.backbone(x)
    maps = maps[-1] if isinstance(maps, (tuple, list)) else maps
    assert maps.shape == (1, 128, 28, 28) and backbone.project.in_channels == 128
    assert backbone(x).shape == (1, 257, 1408)


def test_small_backbone_and_mean_class_token():
    from vadkit.models.components.itam import ITAMBackbone
    small = ITAMBackbone(dict(type='SmallConvNet', channels=(8, 16)), visual_channels=32,
                         grid=4, class_token='mean').eval()
    tokens = small(torch.randn(2, 3, 64, 64))
    assert tokens.shape == (2, 17, 32)
    torch.testing.assert_close(tokens[:, 0], tokens[:, 1:].mean(1))
    with pytest.raises(ValueError, match='class_token'):
        ITAMBackbone(dict(type='SmallConvNet'), class_token='cls')
