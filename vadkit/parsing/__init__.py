"""Video parsing: detectors, trackers, pose estimators and feature extractors that write
the feature store (registries DETECTORS, TRACKERS, EXTRACTORS, PARSERS, CAPTIONERS)."""
