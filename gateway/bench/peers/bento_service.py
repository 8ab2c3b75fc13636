"""BentoML services for the side-by-side benchmark: the pickle through scikit-learn and the ONNX
file through onnxruntime, one worker each, the model's path in PEERS_MODEL.

Usage: bentoml serve bento_service:GbmPickle --host 127.0.0.1 --port PORT   (or :GbmOnnx)
"""

import os

import bentoml
import numpy as np


@bentoml.service(workers=1)
class GbmPickle:
    def __init__(self) -> None:
        import joblib

        self.model = joblib.load(os.environ["PEERS_MODEL"])

    @bentoml.api
    def predict(self, instances: np.ndarray) -> np.ndarray:
        return self.model.predict(instances)


@bentoml.service(workers=1)
class GbmOnnx:
    def __init__(self) -> None:
        import onnxruntime as ort

        self.session = ort.InferenceSession(os.environ["PEERS_MODEL"], providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name

    @bentoml.api
    def predict(self, instances: np.ndarray) -> np.ndarray:
        feeds = {self.input: np.asarray(instances, dtype=np.float32)}
        return self.session.run(None, feeds)[0].ravel()
