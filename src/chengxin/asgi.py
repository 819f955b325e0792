"""ASGI entry point for uvicorn: ``uvicorn chengxin.asgi:app``."""

from chengxin.app import create_app

app = create_app()
