# GCL (Zaheer et al., CVPR 2022): generator G (FC autoencoder) and discriminator D (FC
# classifier) trained in turn from each other's batch pseudo-labels. Every setting of the
# paper is here; configs/gcl/ picks the variants (GCL_B, GCL_PT, GCL_OCC, GCL_WS and the
# AE baselines of Table 2).
model = dict(
    type='GCL',
    in_channels=2048,
    generator=dict(type='GCLGenerator', hidden_channels=(1024, 512, 256, 512, 1024)),
    discriminator=dict(type='GCLDiscriminator', hidden_channels=(512, 32)),
    # Eq. 2: G's errors above mean + 1 std of the batch are anomalous for D ('top_fraction'
    # with fraction=...: a fixed share, Sec. 3.2.2)
    g_threshold=dict(rule='mean_std', k=1.0, fraction=0.1),
    # Eq. 4: D's probabilities above mean + 0.1 std are anomalous for G
    d_threshold=dict(rule='mean_std', k=0.1, fraction=0.1),
    # Eq. 6: pseudo target of D's anomalies: 'ones' | 'random_normal' | 'gaussian' (sigma) |
    # 'none' (GCL w/o NL: only the pseudo-normal segments are reconstructed)
    negative=dict(mode='ones', sigma=1.5),
    # Sec. 3.3: epochs of G pre-training on calm segments (td <= d_th), then of D
    # pre-training; 0 / 0 is GCL_B
    pretrain_g_epochs=0,
    pretrain_d_epochs=0,
    pretrain_on='calm',
    d_th=0.70,
    d_th_quantile=None,
    weak_supervision=False,
    g_labels_from='discriminator',
    input_norm=None,
    score='discriminator')
custom_hooks = [dict(type='PrepareModelHook')]
