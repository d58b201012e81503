model = dict(type='ToyAutoEncoder', in_channels=32, hidden_channels=[16], latent_channels=4)
