"""Networks (plain ``nn.Module``), closed-form baselines, the one registry of model names
(:mod:`~genomebook.models.registry`) and the thin Lightning wrappers (:mod:`~genomebook.models.lightning`)."""

from genomebook.models.baselines import BIRDConfig, BIRDLike, KmerLogisticRegression, TrainingMean, kmer_counts
from genomebook.models.kmer_classifiers import KmerNaiveBayes, KmerNearestNeighbour
from genomebook.models.bert import (BERT_SIZES, BertClassifier, BertMLM, BertXLClassifier, bert_config,
                                    split_pieces)
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
from genomebook.models.registry import CROSS_CELL_MODELS, MODELS, SEQUENCE_ONLY, build, cross_cell_model, names
from genomebook.models.lightning import CellTypeModel, SequenceClassifier
from genomebook.models.promoter_cnns import (CNNGRU, CNNLSTM, CNNGRUConfig, CNNLSTMConfig, DeePromoter,
                                             DeePromoterConfig, PromoterCNN, PromoterCNNConfig)

__all__ = [
    "CROSS_CELL_MODELS", "MODELS", "SEQUENCE_ONLY", "build", "cross_cell_model", "names",
    "BERT_SIZES", "BertClassifier", "BertMLM", "BertXLClassifier", "bert_config", "split_pieces",
    "SequenceClassifier", "CNNGRU", "CNNLSTM", "CNNGRUConfig", "CNNLSTMConfig", "DeePromoter",
    "DeePromoterConfig", "PromoterCNN", "PromoterCNNConfig",
    "BIRDConfig", "BIRDLike", "KmerLogisticRegression", "kmer_counts", "Basset", "BassetConfig", "CellTypeModel", "ChromDragoNNConfig",
    "ChromDragoNNLike", "DanQ", "DanQConfig", "DeepCAGE", "DeepCAGEConfig", "DeepSEA",
    "DeepSEAConfig", "DenseNetConfig", "DenseNetTrunk", "MotifCNN", "MotifCNNConfig",
    "ResidualCNN", "ResidualCNNConfig", "SequenceOnly", "TrainingMean",
    "KmerNaiveBayes", "KmerNearestNeighbour",
]
