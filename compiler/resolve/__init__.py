"""Static checks: name resolution inside code, and the edge-level rules that build the project model."""
