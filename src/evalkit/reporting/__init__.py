"""Reporting: labels and formatting, charts, report sections, the report notebook's API, the papermill
runner and the batch. Imports every layer below it, never the CLI."""
