"""RFM segmentation tooling: the reverse-ETL exporter, sample data and helpers."""
