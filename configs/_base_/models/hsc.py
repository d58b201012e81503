# HSC (Sun & Gong, CVPR 2023) with the supplement's sizes; docs/methods/hsc.md maps every
# paper symbol to these keys.
model = dict(
    type='HSC',
    scene_dim=1590,  # D_B: 1590 ShanghaiTech, 880 Avenue, 330 Ped2
    streams=dict(
        # Phi_app [2048, 1280], Theta_app [1152, 1024]
        appearance=dict(feature_dim=1024, encoder_sizes=(2048, 1280),
                        decoder_sizes=(1152, 1024)),
        # Phi_mot [1792, 1280], Theta_mot [1024, 512]
        motion=dict(feature_dim=512, encoder_sizes=(1792, 1280), decoder_sizes=(1024, 512))),
    stream_defaults=dict(
        scene_aware=True,  # SA-E (Table 3)
        object_centric=True,  # OC-D (Table 3)
        final_norm=False,
        temperature=0.5,  # tau, Eq. 3 and 5
        momentum=0.9,  # m, Eq. 6
        momentum_on='old',  # 'new': the authors' code
        contrast_form='sum_log',  # 'log_sum': the authors' code
        loss_weights=dict(scene=1.0, object=1.0, classifier=1.0, reconstruction=1.0),
        readout_temperature=0.1),  # Eq. 10 prints 1 (see the card)
    # scene pseudo-labels: t-SNE (PCA init) to 2-D, DBSCAN(eps 4.63, min_samples 5)
    clusterer=dict(type='SceneClusterer', projection='tsne', n_components=2, eps=4.63,
                   min_samples=5, noise='nearest', seed=0),
    max_scenes=64,
    contrast_from_epoch=1,
    motion_score='reconstruction',  # 'classifier': MA+ (tools/misc/augment_motion.py)
    motion_classifier=None,
    memory_size=None)  # K entries at test (Fig. 5); None: all
custom_hooks = [dict(type='PrepareModelHook')]
