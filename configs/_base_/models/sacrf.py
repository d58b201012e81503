# SA-CRF (Purwanto et al., ICCV 2021): clique self-attention over the patches of
# neighbouring segments, a CRF with mean-field inference, a regression scorer trained with
# contrastive MIL. Every reading the paper leaves open is a key (docs/methods/sacrf.md).
model = dict(
    type='SACRF',
    in_channels=2048,  # TRN / ResNet-50 patch features (configs/parsing/sacrf_ucf_crime.py)
    # Eq. 1, 3, 4: theta1 / theta2 (embed), theta3 (out), the localities K (Table 2)
    attention=dict(type='CliqueSelfAttention', embed_channels=512, out_channels=512,
                   localities=(1, 2, 4, 6, 8), window='centered', scaled=False),
    # Eq. 5-8, Algorithm 1: Potts or identity U; Eq. 7's f_p(H) U or textbook messages;
    # step 8 as CRF-as-RNN ('unary') or as printed ('marginal'); dynamic halting
    crf=dict(compatibility='potts', pairwise='features', update='unary', max_iter=5,
             halt_tol=1e-4),
    use_crf=True,
    # f_s with dropout 0.8 (Sec. 4.2)
    scorer=dict(hidden_channels=(512, 32), dropout=0.8),
    patch_pool='max',
    bag_reduce='topk_mean',
    topk=3,
    # Eq. 9: L_bn + alpha1 L_sp + alpha2 L_ts + L_cs, alpha1 = alpha2 = 8e-5
    loss_weights=dict(bce=1.0, sparsity=8e-5, smoothness=8e-5, contrast=1.0),
    # Eq. 10 read as a margin on the bags' mean squared distance (l2-normalised)
    contrast=dict(mode='margin', margin=1.0, normalise='pairs', topk=3, l2=True),
    input_norm=None,
    score='scorer')
custom_hooks = [dict(type='PrepareModelHook')]
