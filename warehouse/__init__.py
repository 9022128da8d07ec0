"""The DuckDB warehouse, below the connectors: what every layer above shares about the file and dbt.

- `connection`: connections with the configured limits, and the single-writer lock;
- `raw`: the raw tables' names and DDL, derived from the data contracts;
- `ops`: the one home of the `ops` schema (every ops.* table's DDL and its migrations);
- `dbt`: the one way dbt is called (command, environment, target folder and manifest);
- `privacy`: the pseudonymization key and pseudonyms, shared by dbt (its plugin, `dbt_privacy_plugin`) and Python;
- `publish`: the atomic copy readers open, and its Parquet export.
"""
