"""Files handed to officials (spreadsheets, documents, charts): records in, bytes out."""
