"""The numerical core: pure numpy, no web framework."""
