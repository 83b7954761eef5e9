"""Pure rules of the product: the pipeline definition model, the run planner, transformations
and splits, the Airflow DAG renderer, templates, cost estimates, lineage and webhook events.
No I/O and no Temporal: everything here is tested with plain values."""
