"""KServe's scikit-learn predictor, for the side-by-side benchmark.

KServe's own sklearn server (kserve/python/sklearnserver) is not published on PyPI; this is its
model class in a few lines on the `kserve` package: the joblib file loaded once, `predict` on
the request's instances (v1 `{"instances": [...]}` or an Open Inference Protocol request),
answered in the request's protocol. One uvicorn worker, no gRPC server, bound to 127.0.0.1
(KServe hard-codes 0.0.0.0, so uvicorn's Config is narrowed before the server is made).

Usage: python kserve_server.py MODEL.joblib PORT
"""

import sys

import joblib
import uvicorn
from kserve import Model, ModelServer
from kserve.errors import InferenceError
from kserve.utils.utils import get_predict_input, get_predict_response


class LocalConfig(uvicorn.Config):
    def __init__(self, *args, **kwargs):
        kwargs["host"] = "127.0.0.1"
        super().__init__(*args, **kwargs)


uvicorn.Config = LocalConfig


class SKLearnModel(Model):
    def __init__(self, name: str, path: str):
        super().__init__(name)
        self.path = path
        self.ready = False

    def load(self) -> bool:
        self._model = joblib.load(self.path)
        self.ready = True
        return self.ready

    def predict(self, payload, headers=None):
        try:
            result = self._model.predict(get_predict_input(payload))
            return get_predict_response(payload, result, self.name)
        # As KServe's sklearn server does: any failure of the model answers 500.
        except Exception as e:
            raise InferenceError(str(e)) from e


if __name__ == "__main__":
    model = SKLearnModel("gbm", sys.argv[1])
    model.load()
    ModelServer(http_port=int(sys.argv[2]), workers=1, enable_grpc=False).start([model])
