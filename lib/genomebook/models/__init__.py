"""Networks (plain ``nn.Module``), closed-form baselines, and the thin Lightning wrappers."""

from genomebook.models.baselines import BIRDConfig, BIRDLike, TrainingMean
from genomebook.models.cnn import (
    Basset,
    BassetConfig,
    DanQ,
    DanQConfig,
    DeepSEA,
    DeepSEAConfig,
    MotifCNN,
    MotifCNNConfig,
    SequenceOnly,
)
from genomebook.models.deepcage import (
    ChromDragoNNConfig,
    ChromDragoNNLike,
    DeepCAGE,
    DeepCAGEConfig,
    DenseNetConfig,
    DenseNetTrunk,
    ResidualCNN,
    ResidualCNNConfig,
)
from genomebook.models.crosscell import CROSS_CELL_MODELS, SEQUENCE_ONLY, cross_cell_model
from genomebook.models.lightning import CellTypeModel, SequenceModel

__all__ = [
    "CROSS_CELL_MODELS", "SEQUENCE_ONLY", "cross_cell_model",
    "BIRDConfig", "BIRDLike", "Basset", "BassetConfig", "CellTypeModel", "ChromDragoNNConfig",
    "ChromDragoNNLike", "DanQ", "DanQConfig", "DeepCAGE", "DeepCAGEConfig", "DeepSEA",
    "DeepSEAConfig", "DenseNetConfig", "DenseNetTrunk", "MotifCNN", "MotifCNNConfig",
    "ResidualCNN", "ResidualCNNConfig", "SequenceModel", "SequenceOnly", "TrainingMean",
]
