"""Bundle import: reading, verifying and importing pickup bundles; removing a case."""
