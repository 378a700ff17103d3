"""sellerhealth's pipelines: ingestion, dbt, alerts and publishing, orchestrated by Dagster."""

import warnings

# Pandera imports `pyspark.pandas` whenever pyspark is installed (the Spark extra), for type hints
# sellerhealth does not use, and pyspark then warns on every command that it does not fully support
# pandas 3. sellerhealth never uses pandas on Spark (its Spark engine runs dbt's SQL), so the
# warning says nothing about it and is not shown.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
