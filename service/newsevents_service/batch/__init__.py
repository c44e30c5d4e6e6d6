"""`newsevents batch`: the engine over JSONL/Parquet archives with Ray Data, resumable (docs/batch.md).

Needs the `batch` extra (`pip install 'newsevents-service[batch]'`): Ray Data and pyarrow.
"""
