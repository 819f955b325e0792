"""Batch analytics (批量分析): pipelines written once on Narwhals that run on Polars (the default), DuckDB
or Apache Spark. ``engines`` loads the marketplace tables into an engine and collects results back;
``credit`` computes transaction credit (交易信用) for every account of a dataset."""
