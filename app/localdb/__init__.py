"""The embedded local PostGIS cluster that `make run` and the tests start themselves."""
