"""Embedders: the :class:`~index.embedders.protocol.Embedder` protocol, its torch
(:mod:`.torch_model`) and ONNX Runtime (:mod:`.onnx_model`) implementations, the offline ONNX
export (:mod:`.onnx_export`), the settings-driven factory (:mod:`.factory`) and the persistent
embedding cache (:mod:`.cache`)."""
