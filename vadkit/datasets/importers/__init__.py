"""Readers of segment features extracted elsewhere, and their import into a feature store."""
from .importer import (IMPORTER_KEYS, LENGTH_RULES, check_annotations, check_import_options,
                       import_features, load_frame_counts)
from .readers import (BaseFeatureReader, CropFilesFeatureReader, ListedFilesReader,
                      NpyFeatureReader, SultaniTextReader)

__all__ = [
    'BaseFeatureReader', 'CropFilesFeatureReader', 'IMPORTER_KEYS', 'LENGTH_RULES',
    'ListedFilesReader', 'NpyFeatureReader', 'SultaniTextReader', 'check_annotations',
    'check_import_options', 'import_features', 'load_frame_counts'
]
