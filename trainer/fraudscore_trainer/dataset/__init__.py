"""Users' own data: the dataset description (TOML, or the same structure in
Python), strict reading and validation, drafting a description from a file,
and the feature spec a description gives."""
from fraudscore_trainer.dataset.description import (ColumnDescription, DerivedFeature, Description, DescriptionError, from_dict, load)
from fraudscore_trainer.dataset.reading import Dataset, DataError, read

__all__ = ["ColumnDescription", "DerivedFeature", "Description", "DescriptionError", "from_dict", "load", "Dataset",
           "DataError", "read"]
