"""Analytics: every metric is a registered SQL query over the store's tables, written once
in DuckDB's dialect and run on an engine (DuckDB by default, Spark over the Parquet lake at
scale). Python code combines query results into rankings, profiles and views; it never
holds SQL of its own outside this package (DESIGN.md, house rules)."""
