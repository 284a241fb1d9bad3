"""Where media files and artifacts live: the local disk or an S3-compatible bucket."""
