"""Input and storage: reading export files, validating and pseudonymising them into a panel, and the
partitioned Parquet dataset. Imports only evalkit.core (and evalkit.demo to generate the demo on first use)."""
