"""ASGI entry point for uvicorn: ``uvicorn chengxin.asgi:app``."""

import gc

from chengxin.app import create_app

app = create_app()
# Everything built at start-up lives for the whole process: keep it out of the garbage
# collector's full passes, which otherwise walk it and pause requests (tail latency).
gc.freeze()
