"""Core: the data model (schema, panel), reference facts (registry, comparison series, resources),
configuration and errors. Imports nothing else of evalkit."""
