"""Helpers dbt loads at run time: the dbt-duckdb plugin that waits for the file lock."""
